package io.peerpulse.export.micrometer.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.noop.NoopMeter;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.QualitySummary;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryCounters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The meters sessions share, reference-counted per registry and meter id.
 *
 * <p>A session id is never a tag, so every session with the same application tags uses the same
 * meters. A session {@linkplain #acquire leases} them when it starts — registering a meter when it
 * is the first user — and {@linkplain Lease#release releases} them when it ends: a meter whose last
 * user released it is removed from the registry (unless that session keeps meters). Leasing and
 * releasing run under one lock, so a meter is never removed between another session's registration
 * and its use; recording into a leased meter needs no lock, since nothing removes it while leased.
 * Counting by the registered meter's id (not by our names) keeps the count right when an
 * application {@code MeterFilter} maps two of our ids onto one.
 */
final class SharedMeters {

    /** Timer of every RTT sample; Prometheus {@code peerpulse_session_rtt_seconds}. */
    static final String RTT = "peerpulse.session.rtt";
    /** Counter of polls by outcome; Prometheus {@code peerpulse_session_polls_total}. */
    static final String POLLS = "peerpulse.session.polls";
    /** Gauge of sessions started and not yet ended; Prometheus {@code peerpulse_sessions_active}. */
    static final String ACTIVE = "peerpulse.sessions.active";
    /** Tag of {@link #POLLS}: the lower-case {@link PollOutcome}. */
    static final String OUTCOME = "outcome";
    /** Gauge of running sessions by their quality now; Prometheus {@code peerpulse_sessions_quality}. */
    static final String IN_QUALITY = "peerpulse.sessions.quality";
    /** Counter of time sessions spent in each quality, added at their end; Prometheus
     * {@code peerpulse_session_quality_time_seconds_total}. */
    static final String QUALITY_TIME = "peerpulse.session.quality.time";
    /** Tag of {@link #IN_QUALITY} and {@link #QUALITY_TIME}: the lower-case {@link ConnectionQuality}. */
    static final String QUALITY = "quality";

    /** Smallest RTT the histogram resolves: below 1 ms is loopback. */
    static final Duration MIN_EXPECTED = Duration.ofMillis(1);
    /** Largest RTT the histogram resolves: above 60 s a reading is rejected as implausible. */
    static final Duration MAX_EXPECTED = Duration.ofSeconds(60);

    private static final PollOutcome[] OUTCOMES = PollOutcome.values();
    private static final ConnectionQuality[] QUALITIES = ConnectionQuality.values();

    /** Serialises every lease and release. Never held while recording. */
    private static final Object LOCK = new Object();
    /**
     * The meters in use by registry (identity: registries do not override equals). Written under
     * {@link #LOCK}; read without it by the active-sessions gauge while the registry is scraped.
     */
    private static final Map<MeterRegistry, RegistryUse> IN_USE = new ConcurrentHashMap<>();
    /**
     * The ids our gauges were registered under, by registry and definition, also after their last lease: a later
     * session finds a kept gauge by this id, which an application's common tags or {@code MeterFilter} made, rather
     * than registering it again (which Micrometer ignores with a warning). Weak keys, and values that do not refer to
     * the registry: a registry the application dropped is not held. Under {@link #LOCK}.
     */
    private static final Map<MeterRegistry, Map<List<Object>, Meter.Id>> GAUGE_IDS = new WeakHashMap<>();

    private static final System.Logger LOG = System.getLogger(SharedMeters.class.getName());
    /** The first registry reached by two routes is logged at WARNING, later ones at DEBUG (as Micrometer does). */
    private static final AtomicBoolean WARNED_TWO_ROUTES = new AtomicBoolean();

    private SharedMeters() {
    }

    /** The meters of one registry in use. */
    private static final class RegistryUse {
        /** Leases per registered meter id: what decides removal. */
        final Map<Meter.Id, Use> byId = new ConcurrentHashMap<>();
        /**
         * The meter registered for one of our definitions (name, tags, outcome), so that a meter in use
         * is not registered again: a second registration of a gauge would log a warning. Under {@link #LOCK}.
         */
        final Map<List<Object>, Meter> byDefinition = new HashMap<>();
        /**
         * Running sessions per registered quality gauge id, by their quality now: keyed like {@link #byId}, so that
         * a {@code MeterFilter} mapping two tag sets onto one gauge counts both, and an entry leaves with its gauge's
         * last lease (a rotated tag set leaves nothing behind while other sessions run).
         */
        final Map<Meter.Id, AtomicInteger> inQuality = new ConcurrentHashMap<>();
    }

    /** One meter in use and how many leases hold it. */
    private static final class Use {
        /** The meter registered under the id, removed with the last lease. Under {@link #LOCK}. */
        Meter meter;
        /** Written under {@link #LOCK}. */
        volatile int users;

        Use(Meter meter) {
            this.meter = meter;
        }
    }

    /**
     * Leases a session's meters, registering those no other session uses.
     *
     * @param registry the registry
     * @param settings the session's settings
     * @return the lease; {@link Lease#release()} it when the session ends
     * @throws RuntimeException what the registry throws when it refuses a meter (nothing stays leased)
     */
    static Lease acquire(MeterRegistry registry, MicrometerSettings settings) {
        Tags tags = settings.tags();
        synchronized (LOCK) {
            RegistryUse use = IN_USE.get(registry);
            if (use == null) {
                warnIfReachedByTwoRoutes(registry);
                use = new RegistryUse();
                IN_USE.put(registry, use);
            }
            Supplier<Timer> registerRtt = () -> Timer.builder(RTT)
                    .description("Round-trip time of every RTT sample measured by PeerPulse game sessions")
                    .tags(tags)
                    .publishPercentileHistogram(settings.histogram())
                    .minimumExpectedValue(MIN_EXPECTED)
                    .maximumExpectedValue(MAX_EXPECTED)
                    .serviceLevelObjectives(settings.slos().toArray(Duration[]::new))
                    .register(registry);
            List<Meter> held = new ArrayList<>(OUTCOMES.length + 2);
            try {
                forgetRemoved(use, List.of(RTT, tags), registerRtt);
                Timer rtt = hold(use, held, List.of(RTT, tags), registerRtt);
                Counter[] polls = new Counter[OUTCOMES.length];
                for (PollOutcome outcome : OUTCOMES) {
                    String value = outcome.name().toLowerCase(Locale.ROOT);
                    polls[outcome.ordinal()] = hold(use, held, List.of(POLLS, tags, value), () -> Counter.builder(POLLS)
                            .description("Polls of PeerPulse game sessions by how they ended, counted when a session ends")
                            .tags(tags)
                            .tag(OUTCOME, value)
                            .register(registry));
                }
                List<Object> activeDefinition = List.of(ACTIVE, tags);
                hold(use, held, activeDefinition, () -> {
                    Gauge kept = keptGauge(registry, activeDefinition);
                    if (kept != null) {
                        return kept; // kept from earlier sessions: it reads the count anew
                    }
                    ActiveSessions active = new ActiveSessions(registry);
                    Gauge gauge = Gauge.builder(ACTIVE, active)
                            .description("PeerPulse game sessions started and not yet ended")
                            .tags(tags)
                            .strongReference(true)
                            .register(registry);
                    active.id = gauge.getId();
                    return keep(registry, activeDefinition, gauge);
                });
                Counter[] qualityTime = new Counter[QUALITIES.length];
                AtomicInteger[] counts = new AtomicInteger[QUALITIES.length];
                for (ConnectionQuality quality : QUALITIES) {
                    String value = quality.name().toLowerCase(Locale.ROOT);
                    List<Object> qualityDefinition = List.of(IN_QUALITY, tags, value);
                    Gauge qualityGauge = hold(use, held, qualityDefinition, () -> {
                        Gauge kept = keptGauge(registry, qualityDefinition);
                        if (kept != null) {
                            return kept; // kept from earlier sessions: it reads the counts anew
                        }
                        SessionsInQuality sessions = new SessionsInQuality(registry);
                        Gauge gauge = Gauge.builder(IN_QUALITY, sessions)
                                .description("PeerPulse game sessions running, by their connection quality now")
                                .tags(tags)
                                .tag(QUALITY, value)
                                .strongReference(true)
                                .register(registry);
                        sessions.id = gauge.getId();
                        return keep(registry, qualityDefinition, gauge);
                    });
                    counts[quality.ordinal()] = use.inQuality.computeIfAbsent(qualityGauge.getId(),
                            id -> new AtomicInteger());
                    qualityTime[quality.ordinal()] = hold(use, held, List.of(QUALITY_TIME, tags, value),
                            () -> Counter.builder(QUALITY_TIME)
                                    .description("Time PeerPulse game sessions spent in each connection quality, "
                                            + "added when a session ends")
                                    .baseUnit("seconds")
                                    .tags(tags)
                                    .tag(QUALITY, value)
                                    .register(registry));
                }
                counts[ConnectionQuality.UNKNOWN.ordinal()].incrementAndGet();
                return new Lease(registry, rtt, polls, qualityTime, counts, held, settings.keepMeters());
            } catch (RuntimeException | Error e) {
                release(registry, held, settings.keepMeters());
                throw e;
            }
        }
    }

    /**
     * Warns when sessions reach one registry both directly and through a {@link CompositeMeterRegistry} holding it
     * (such as {@code Metrics.globalRegistry}, to which Spring Boot adds its registries): our counts are kept per
     * registry the sessions were given, so the one gauge there counts one route's sessions only, and with
     * {@code keep-meters=false} one route removes meters the other still records into. Checked when a registry gets
     * its first lease, against the registries in use or with kept gauges. Under {@link #LOCK}.
     */
    private static void warnIfReachedByTwoRoutes(MeterRegistry registry) {
        Set<MeterRegistry> leaves = leaves(registry);
        List<MeterRegistry> others = new ArrayList<>(IN_USE.keySet());
        others.addAll(GAUGE_IDS.keySet());
        for (MeterRegistry other : others) {
            if (other == registry || Collections.disjoint(leaves, leaves(other))) {
                continue;
            }
            boolean first = WARNED_TWO_ROUTES.compareAndSet(false, true);
            LOG.log(first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, () -> "PeerPulse sessions "
                    + "given " + name(registry) + " and sessions given " + name(other) + " record into the same "
                    + "meter registry (a CompositeMeterRegistry such as Metrics.globalRegistry holds it). PeerPulse "
                    + "counts sessions per registry it is given, so " + ACTIVE + " and " + IN_QUALITY + " there "
                    + "count the sessions given one of the two only, and with keep-meters=false the sessions given "
                    + "one remove meters those given the other still record into; give every session the same "
                    + "registry" + (first ? " (logged once, later at debug level)" : ""));
            return;
        }
    }

    /** The registries a registry's meters end in: itself, or a composite's members (recursively). */
    private static Set<MeterRegistry> leaves(MeterRegistry registry) {
        Set<MeterRegistry> leaves = Collections.newSetFromMap(new IdentityHashMap<>());
        List<MeterRegistry> pending = new ArrayList<>(List.of(registry));
        while (!pending.isEmpty()) {
            MeterRegistry next = pending.remove(pending.size() - 1);
            // a composite is one too: its own meters, also while it has no member
            if (leaves.add(next) && next instanceof CompositeMeterRegistry composite) {
                pending.addAll(composite.getRegistries());
            }
        }
        return leaves;
    }

    private static String name(MeterRegistry registry) {
        return (registry == Metrics.globalRegistry ? "Metrics.globalRegistry "
                : "") + registry.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(registry));
    }

    /**
     * The gauge registered earlier for one of our definitions and still in the registry, found by the id the registry
     * gave it. Under {@link #LOCK}.
     */
    private static @Nullable Gauge keptGauge(MeterRegistry registry, List<Object> definition) {
        Map<List<Object>, Meter.Id> ids = GAUGE_IDS.get(registry);
        if (ids == null) {
            return null;
        }
        Meter.Id id = ids.get(definition);
        if (id == null) {
            return null;
        }
        for (Gauge kept : registry.find(id.getName()).tags(id.getTags()).gauges()) {
            if (kept.getId().equals(id)) {
                return kept;
            }
        }
        ids.remove(definition); // the application removed it
        return null;
    }

    /** Remembers the id a gauge was registered under. Under {@link #LOCK}. */
    private static Gauge keep(MeterRegistry registry, List<Object> definition, Gauge gauge) {
        GAUGE_IDS.computeIfAbsent(registry, r -> new HashMap<>()).put(definition, gauge.getId());
        return gauge;
    }

    /**
     * Forgets the meters in use when the registry no longer answers them: the application removed them
     * ({@code clear()}, a {@code remove} of its own) or configured a {@code MeterFilter} late, which Micrometer applies
     * at the next registration. The next sessions then register every meter again (a meter still registered comes back
     * as it is, a gauge through its kept id): else, on a server where some session always runs, every later session
     * would record into meters no scrape sees. Seen by the session's RTT timer, whose registration is the registry's
     * lookup of its id (no scan). The sessions running then keep their meters until they end; the counts stay keyed by
     * id, so a gauge registered again under the same id counts them too. Under {@link #LOCK}.
     */
    private static void forgetRemoved(RegistryUse use, List<Object> rttDefinition, Supplier<Timer> registerRtt) {
        Meter inUse = use.byDefinition.get(rttDefinition);
        // a meter an application MeterFilter denied was never registered: a registration answers a new no-op one
        if (inUse != null && !(inUse instanceof NoopMeter) && registerRtt.get() != inUse) {
            use.byDefinition.clear();
        }
    }

    /** Under {@link #LOCK}. */
    @SuppressWarnings("unchecked")
    private static <M extends Meter> M hold(RegistryUse use, List<Meter> held, List<Object> definition,
                                            Supplier<M> register) {
        M meter = (M) use.byDefinition.get(definition);
        if (meter == null) {
            meter = register.get();
            use.byDefinition.put(definition, meter);
        }
        Meter registered = meter;
        Use counted = use.byId.computeIfAbsent(meter.getId(), id -> new Use(registered));
        counted.meter = registered; // after forgetRemoved: the one registered again, which the last lease removes
        counted.users++;
        held.add(meter);
        return meter;
    }

    private static void release(MeterRegistry registry, List<Meter> held, boolean keep) {
        synchronized (LOCK) {
            RegistryUse use = IN_USE.get(registry);
            if (use == null) {
                return;
            }
            for (Meter meter : held) {
                Use counted = use.byId.get(meter.getId());
                if (counted == null) {
                    continue;
                }
                counted.users--;
                if (counted.users <= 0) {
                    use.byId.remove(meter.getId());
                    use.inQuality.remove(meter.getId()); // a quality gauge's count: 0 once its last lease is released
                    use.byDefinition.values().removeIf(m -> m.getId().equals(meter.getId()));
                    if (!keep) {
                        registry.remove(counted.meter);
                        Map<List<Object>, Meter.Id> gaugeIds = GAUGE_IDS.get(registry);
                        if (gaugeIds != null) {
                            gaugeIds.values().removeIf(meter.getId()::equals);
                            if (gaugeIds.isEmpty()) {
                                GAUGE_IDS.remove(registry);
                            }
                        }
                    }
                }
            }
            if (use.byId.isEmpty()) {
                IN_USE.remove(registry);
            }
        }
    }

    /**
     * How many meters of a registry are leased: for tests.
     *
     * @param registry the registry
     * @return the number of meters leased
     */
    static int metersInUse(MeterRegistry registry) {
        RegistryUse use = IN_USE.get(registry);
        return use == null ? 0 : use.byId.size();
    }

    /**
     * How many gauge ids of a registry are remembered: for tests.
     *
     * @param registry the registry
     * @return the number of our gauges whose registered id is remembered
     */
    static int gaugeIds(MeterRegistry registry) {
        synchronized (LOCK) {
            Map<List<Object>, Meter.Id> ids = GAUGE_IDS.get(registry);
            return ids == null ? 0 : ids.size();
        }
    }

    /**
     * How many quality counts of a registry are kept: for tests.
     *
     * @param registry the registry
     * @return the number of quality gauges (registered ids) with a count
     */
    static int qualityCounts(MeterRegistry registry) {
        RegistryUse use = IN_USE.get(registry);
        return use == null ? 0 : use.inQuality.size();
    }

    /** The value of the active-sessions gauge: the leases holding it. Lock-free, for scrapes. */
    private static final class ActiveSessions implements Supplier<Integer> {
        private final MeterRegistry registry;
        volatile Meter.@Nullable Id id;

        ActiveSessions(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Integer get() {
            Meter.Id gaugeId = id;
            RegistryUse use = gaugeId == null ? null : IN_USE.get(registry);
            Use counted = use == null ? null : use.byId.get(gaugeId);
            return counted == null ? 0 : counted.users;
        }
    }

    /**
     * The value of one quality's gauge: the running sessions in it now, counted under the gauge's registered id and
     * read anew at each scrape. Lock-free.
     */
    private static final class SessionsInQuality implements Supplier<Integer> {
        private final MeterRegistry registry;
        volatile Meter.@Nullable Id id;

        SessionsInQuality(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Integer get() {
            Meter.Id gaugeId = id;
            RegistryUse use = gaugeId == null ? null : IN_USE.get(registry);
            AtomicInteger count = use == null ? null : use.inQuality.get(gaugeId);
            return count == null ? 0 : count.get();
        }
    }

    /** One session's meters, from {@link #acquire} to {@link #release()}. */
    static final class Lease {
        private final MeterRegistry registry;
        private final Timer rtt;
        private final Counter[] polls;
        private final Counter[] qualityTime;
        private final AtomicInteger[] inQuality;
        /** The session's quality now; changed only by the session's exporter calls, which never overlap. */
        private volatile ConnectionQuality quality = ConnectionQuality.UNKNOWN;
        private final List<Meter> held;
        private final boolean keep;

        private Lease(MeterRegistry registry, Timer rtt, Counter[] polls, Counter[] qualityTime,
                      AtomicInteger[] inQuality, List<Meter> held, boolean keep) {
            this.registry = registry;
            this.rtt = rtt;
            this.polls = polls;
            this.qualityTime = qualityTime;
            this.inQuality = inQuality;
            this.held = List.copyOf(held);
            this.keep = keep;
        }

        /**
         * Records one RTT sample; no lock.
         *
         * @param rttMs the sample's RTT in milliseconds
         */
        void record(double rttMs) {
            rtt.record(Math.round(rttMs * 1e6), TimeUnit.NANOSECONDS);
        }

        /**
         * Adds a session's final poll counts.
         *
         * @param counters how every poll of the session ended
         */
        void count(TelemetryCounters counters) {
            add(PollOutcome.MEASURED, counters.measuredCount());
            add(PollOutcome.STALE, counters.staleCount());
            add(PollOutcome.UNAVAILABLE, counters.unavailableCount());
            add(PollOutcome.FAILED, counters.failedCount());
            add(PollOutcome.REJECTED, counters.rejectedCount());
            add(PollOutcome.SKIPPED, counters.skippedCount());
        }

        private void add(PollOutcome outcome, long count) {
            if (count > 0) {
                polls[outcome.ordinal()].increment(count);
            }
        }

        /**
         * The session's quality changed: it moves from one gauge to the other.
         *
         * @param next the quality now
         */
        void quality(ConnectionQuality next) {
            ConnectionQuality previous = quality;
            quality = next;
            inQuality[next.ordinal()].incrementAndGet();
            inQuality[previous.ordinal()].decrementAndGet();
        }

        /**
         * Adds a session's time in each quality.
         *
         * @param summary the session's summary; {@code null} adds nothing
         */
        void time(@Nullable QualitySummary summary) {
            if (summary == null) {
                return;
            }
            for (ConnectionQuality each : QUALITIES) {
                long ms = summary.timeInMs(each);
                if (ms > 0) {
                    qualityTime[each.ordinal()].increment(ms / 1000.0);
                }
            }
        }

        /** Releases every meter; once only (the exporter makes sure). */
        void release() {
            synchronized (LOCK) {
                inQuality[quality.ordinal()].decrementAndGet();
            }
            SharedMeters.release(registry, held, keep);
        }
    }
}
