package io.peerpulse.integration;

import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * 2,000 sessions: {@value #UNDER_TEST} on the default (shared) scheduler and the shared exporter pool, 5 % of them
 * on faulty sources (blocking 100 ms in read(), throwing, never completing: a third each) and another 5 % with an
 * exporter that hangs for good in its first sampleRecorded; beside them, opened and closed in turn with them, a
 * fault-free control group of as many healthy sessions whose telemetries poll on a scheduler thread of their own
 * (the same exporter pool). Polls every 200 ms; the run lasts until the first control session's exporter got
 * {@value #RUN_SAMPLES} samples (about 10 s). Checks, then returns from main: the JVM must exit by itself with the
 * hung exporter threads still hanging. Prints {@link #DONE} and the numbers, or exits 1 with what failed; prints
 * {@link #WALL_CLOCK_KEPT} too when every healthy session kept 95 % of the polls due by the wall clock.
 *
 * <p><b>Polls kept, against the control.</b> A poll falls due every 200 ms by the wall clock; what a session did
 * not measure by the time its close() began is lost. A machine that starves this JVM (other builds, busy loops)
 * loses polls of both groups alike, each group's scheduler thread falling behind: beside two busy loops, with all
 * 2,000 sessions on the shared thread, one session kept 16 of 51. A faulty plugin that holds the shared scheduler
 * thread loses polls of the healthy sessions under test only. So a healthy session under test may lose no more
 * than the control's worst plus 5 % of its polls due plus the polls the blocking sources may cost by design: each
 * blocks the shared thread in its first read, which puts it on probation (its later reads on the isolated-read
 * pool), so one call per blocking source, {@value #BLOCK_MS} ms each; these calls are counted (no more than one
 * per blocking source) and timed. On a quiet machine the shared thread catches up on that block (a fixed-rate
 * scheduler runs late polls at once); on a starved one it may not. With reads never moved to the pool (isolation
 * broken) healthy sessions under test kept 5 to 7 of 47 to 49 polls, the control lost none.
 */
public final class FaultLoadChild {

    static final String DONE = "FAULT-LOAD-DONE";
    /** Printed besides {@link #DONE} when every healthy session kept 95 % of its polls due: a quiet machine's bound. */
    static final String WALL_CLOCK_KEPT = "WALL-CLOCK-KEPT";
    /** Sessions under test, on the shared scheduler; as many again in the control group, interleaved with them. */
    static final int UNDER_TEST = 1_000;
    static final int SESSIONS = 2 * UNDER_TEST;
    static final Duration POLL = Duration.ofMillis(200);
    static final int RUN_SAMPLES = 50;
    static final long BLOCK_MS = 100;
    /**
     * WARNING lines the run may log: one per fault kind (4 faulty kinds, a healthy or blocking source timing out
     * on a loaded machine, the JVM's late polls, …), never one per faulty session (400).
     */
    static final int MAX_WARNING_LINES = 20;

    enum Kind { HEALTHY, BLOCKING, THROWING, NEVER_COMPLETING, HANGING_EXPORTER, CONTROL }

    /** BlockingSource.read() calls on the shared scheduler's threads, and how long they held them. */
    static final AtomicLong HELD_CALLS = new AtomicLong();
    static final AtomicLong HELD_NANOS = new AtomicLong();

    /** Every call of one session, checked at the end. */
    static final class Recording implements SessionExporter {
        final AtomicInteger started = new AtomicInteger();
        final AtomicLong samples = new AtomicLong();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicReference<SessionReport> report = new AtomicReference<>();
        final AtomicReference<String> error = new AtomicReference<>();
        final CountDownLatch runLong;

        Recording(CountDownLatch runLong) {
            this.runLong = runLong;
        }

        @Override
        public void sessionStarted(String sessionId) {
            started.incrementAndGet();
        }

        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            if (started.get() != 1 || ended.get() != 0) {
                error.compareAndSet(null, "sample out of order");
            }
            samples.incrementAndGet();
            if (runLong != null) {
                runLong.countDown();
            }
        }

        @Override
        public void sessionEnded(SessionReport ended) {
            report.set(ended);
            this.ended.incrementAndGet();
        }
    }

    static final CountDownLatch NEVER = new CountDownLatch(1);

    static final class Hanging implements SessionExporter {
        @Override
        public void sampleRecorded(String sessionId, RttSample sample) {
            try {
                NEVER.await(); // hangs for good: a daemon pool thread that must not keep the JVM alive
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void sessionEnded(SessionReport report) {
        }
    }

    record Provider(String name, SessionExporter exporter) implements SessionExporterProvider {
        @Override
        public SessionExporter create(ExportSettings settings) {
            return exporter;
        }
    }

    static RttSource source(Kind kind, int i) {
        CompletionStage<RttReading> answer = CompletableFuture.completedFuture(RttReading.measured(20 + i % 50));
        return switch (kind) {
            case BLOCKING -> new BlockingSource(answer);
            case THROWING -> new ThrowingSource();
            case NEVER_COMPLETING -> CompletableFuture::new;
            default -> () -> answer;
        };
    }

    record BlockingSource(CompletionStage<RttReading> answer) implements RttSource {
        @Override
        public CompletionStage<RttReading> read() {
            boolean shared = Thread.currentThread().getName().startsWith("peerpulse-telemetry-");
            long started = System.nanoTime();
            blockingReceive(BLOCK_MS); // the fault under test: I/O on the polling thread
            if (shared) {
                HELD_CALLS.incrementAndGet();
                HELD_NANOS.addAndGet(System.nanoTime() - started);
            }
            return answer;
        }
    }

    static final class ThrowingSource implements RttSource {
        @Override
        public CompletionStage<RttReading> read() {
            throw new IllegalStateException("broken plugin");
        }
    }

    /** Odd sessions are the control, even ones under test: a fifth of these (by i / 2) faulty. */
    static Kind kind(int i) {
        return i % 2 == 1 ? Kind.CONTROL : faultKind(i / 2);
    }

    static Kind faultKind(int i) {
        return switch (i % 20) { // 1 in 20 = 5 % each for the faulty sources and the hanging exporter
            case 7 -> i % 3 == 0 ? Kind.BLOCKING : i % 3 == 1 ? Kind.THROWING : Kind.NEVER_COMPLETING;
            case 13 -> Kind.HANGING_EXPORTER;
            default -> Kind.HEALTHY;
        };
    }

    static int peerpulseThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("peerpulse-")).count();
    }

    public static void main(String[] args) throws Exception {
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            h.setLevel(Level.OFF); // keep the output short; the lines are counted below
        }
        Logger peerpulse = Logger.getLogger("io.peerpulse");
        peerpulse.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });

        int cores = Runtime.getRuntime().availableProcessors();
        // the scheduler and its watchdog, the isolated reads, the exporter pool (docs/USING.md's list; a read stuck
        // over 1 s would add one more, which no source here is)
        int threadBound = 2 + Math.max(4, 2 * cores) + Math.max(8, 4 * cores);
        int threadsBefore = Thread.activeCount();
        ScheduledThreadPoolExecutor controlScheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "control-telemetry");
            t.setDaemon(true);
            return t;
        });
        controlScheduler.setRemoveOnCancelPolicy(true); // as the shared scheduler

        long startNanos = System.nanoTime();
        CountDownLatch runLong = new CountDownLatch(RUN_SAMPLES);
        List<GameSession> sessions = new ArrayList<>();
        List<Recording> recordings = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        long[] opened = new long[SESSIONS];
        long[] closed = new long[SESSIONS];
        for (int i = 0; i < SESSIONS; i++) {
            Kind kind = kind(i);
            // the run's length: the control's first session, whose pace no fault under test can slow down
            Recording recording = new Recording(i == 1 ? runLong : null);
            List<SessionExporterProvider> providers = new ArrayList<>(List.of(new Provider("recording", recording)));
            if (kind == Kind.HANGING_EXPORTER) {
                providers.add(new Provider("hanging", new Hanging()));
            }
            TelemetryOptions.Builder options = TelemetryOptions.builder().pollInterval(POLL);
            if (kind == Kind.CONTROL) {
                options.scheduler(controlScheduler);
            }
            GameSession session = GameSession.builder("load-" + i)
                    .telemetryOptions(options.build())
                    .exporterProviders(providers)
                    .exporterTimeout(Duration.ofSeconds(1))
                    .journal(false)
                    .build();
            sessions.add(session);
            recordings.add(recording);
            kinds.add(kind);
        }
        for (int i = 0; i < SESSIONS; i++) {
            opened[i] = System.nanoTime();
            sessions.get(i).onDataChannelOpen(source(kinds.get(i), i));
        }
        int maxPeerpulseThreads = 0;
        int maxThreads = 0;
        while (!runLong.await(100, TimeUnit.MILLISECONDS)) { // bounded by the parent's bound on this JVM
            maxPeerpulseThreads = Math.max(maxPeerpulseThreads, peerpulseThreads());
            maxThreads = Math.max(maxThreads, Thread.activeCount());
        }
        maxPeerpulseThreads = Math.max(maxPeerpulseThreads, peerpulseThreads());
        long runNanos = System.nanoTime() - startNanos;

        // Close in parallel: a session with the hanging exporter waits the exporter timeout (1 s) in close().
        ExecutorService closers = Executors.newFixedThreadPool(200);
        List<Future<?>> closes = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            int n = i;
            closes.add(closers.submit(() -> {
                closed[n] = System.nanoTime(); // close() stops the telemetry first, then waits for exporters
                sessions.get(n).close();
            }));
        }
        for (Future<?> close : closes) {
            close.get(60, TimeUnit.SECONDS);
        }
        closers.shutdown();
        controlScheduler.shutdown();

        List<String> failures = new ArrayList<>();
        // Polls lost: due by the wall clock from onDataChannelOpen to close(), at least, less those measured
        long[] lost = new long[SESSIONS];
        long[] due = new long[SESSIONS];
        long controlWorstLost = 0;
        long controlLost = 0;
        long controlDue = 0;
        for (int i = 0; i < SESSIONS; i++) {
            SessionReport report = recordings.get(i).report.get();
            due[i] = (closed[i] - opened[i]) / POLL.toNanos();
            lost[i] = report == null ? due[i] : Math.max(0, due[i] - report.validationData().counters().measuredCount());
            if (kinds.get(i) == Kind.CONTROL) {
                controlWorstLost = Math.max(controlWorstLost, lost[i]);
                controlLost += lost[i];
                controlDue += due[i];
            }
        }
        long blocking = kinds.stream().filter(k -> k == Kind.BLOCKING).count();
        long heldCalls = HELD_CALLS.get();
        // the time of the one call each that the design allows, as measured (a busy machine makes a call longer)
        long allowedHeldNanos = heldCalls == 0 ? 0 : HELD_NANOS.get() / heldCalls * Math.min(heldCalls, blocking);
        long heldPolls = (allowedHeldNanos + POLL.toNanos() - 1) / POLL.toNanos();
        if (heldCalls > blocking) {
            failures.add("blocking sources held the shared scheduler thread in " + heldCalls + " read() calls ("
                    + TimeUnit.NANOSECONDS.toMillis(HELD_NANOS.get()) + " ms), more than the one call each of the "
                    + blocking + " that puts it on probation");
        }
        double worstKept = 1;
        long worstLost = 0;
        long healthyLost = 0;
        long healthyDue = 0;
        long healthy = 0;
        for (int i = 0; i < SESSIONS; i++) {
            Kind kind = kinds.get(i);
            Recording r = recordings.get(i);
            SessionReport report = r.report.get();
            if (r.ended.get() != 1 || report == null) {
                failures.add("load-" + i + " (" + kind + "): sessionEnded ran " + r.ended.get() + " times");
                continue;
            }
            TelemetryCounters c = report.validationData().counters();
            long stuck = report.validationData().stuckExporterCount();
            switch (kind) {
                case HEALTHY, HANGING_EXPORTER, CONTROL -> {
                    worstKept = Math.min(worstKept, (double) c.measuredCount() / Math.max(1, due[i]));
                    if (kind != Kind.CONTROL) {
                        healthy++;
                        worstLost = Math.max(worstLost, lost[i]);
                        healthyLost += lost[i];
                        healthyDue += due[i];
                        long allowed = controlWorstLost + due[i] / 20 + heldPolls;
                        if (lost[i] > allowed) {
                            failures.add("load-" + i + " (" + kind + "): kept " + c.measuredCount() + " of " + due[i]
                                    + " polls due, lost " + lost[i] + ": more than the control's worst " + controlWorstLost
                                    + " + 5 % + " + heldPolls + " held by blocking sources by design");
                        }
                    }
                    long total = report.validationData().latency() == null ? 0
                            : report.validationData().latency().totalSampleCount();
                    if (r.started.get() != 1 || r.samples.get() != c.measuredCount() || total != c.measuredCount()
                            || report.validationData().droppedExporterCallCount() != 0 || r.error.get() != null) {
                        failures.add("load-" + i + " (" + kind + "): incomplete export: started " + r.started.get()
                                + ", samples " + r.samples.get() + ", measured " + c.measuredCount() + ", report total "
                                + total + ", dropped " + report.validationData().droppedExporterCallCount()
                                + ", " + r.error.get());
                    }
                    long expectedStuck = kind == Kind.HANGING_EXPORTER ? 1 : 0; // the control's exporters too
                    if (stuck != expectedStuck) {
                        failures.add("load-" + i + " (" + kind + "): stuckExporterCount " + stuck);
                    }
                }
                default -> {
                    if (c.failedCount() == 0 && kind != Kind.BLOCKING) {
                        failures.add("load-" + i + " (" + kind + "): no failed poll");
                    }
                }
            }
        }
        // One first WARNING per fault kind (the source's class or exporter, and the fault) for the whole JVM, naming
        // the class and one session ("telemetry 'load-<n>'"): 100 sessions of a kind give one line, not 100. The
        // run is shorter than FaultLog.SUMMARY_INTERVAL: no summary line.
        long blockedWarnings = warnings.stream().filter(w -> w.contains("blocked the polling thread")
                && !w.contains("more time") && w.contains(BlockingSource.class.getName())
                && w.contains(" of telemetry 'load-")).count();
        long threwWarnings = warnings.stream().filter(w -> w.contains("threw in read()") && !w.contains("more time"))
                .count();
        // blocking sources time out too (their reads queue for the isolated-read pool), and on a loaded machine a
        // healthy read may miss its timeout once (its kept polls are checked above): other kinds; count the line
        // naming a never-completing session
        java.util.regex.Pattern session = java.util.regex.Pattern.compile("telemetry 'load-(\\d+)'");
        long timeoutWarnings = warnings.stream().filter(w -> w.contains("did not answer a read within readTimeout")
                && !w.contains("more time")).map(session::matcher).filter(java.util.regex.Matcher::find)
                .filter(m -> kinds.get(Integer.parseInt(m.group(1))) == Kind.NEVER_COMPLETING).count();
        long hangWarnings = warnings.stream().filter(w -> w.contains("exporter 'hanging'") && w.contains("hangs:"))
                .count();
        long throwing = kinds.stream().filter(k -> k == Kind.THROWING).count();
        long never = kinds.stream().filter(k -> k == Kind.NEVER_COMPLETING).count();
        long hanging = kinds.stream().filter(k -> k == Kind.HANGING_EXPORTER).count();
        if (blockedWarnings != Math.min(1, blocking) || threwWarnings != Math.min(1, throwing)
                || timeoutWarnings != Math.min(1, never) || hangWarnings != Math.min(1, hanging)) {
            failures.add("first WARNINGs (one per kind for the JVM): blocked " + blockedWarnings + " (" + blocking
                    + " sessions), threw " + threwWarnings + " (" + throwing + "), timed out " + timeoutWarnings + " ("
                    + never + "), exporter hangs " + hangWarnings + " (" + hanging + ")");
        }
        if (warnings.size() > MAX_WARNING_LINES) {
            failures.add(warnings.size() + " WARNING lines for " + (blocking + throwing + never + hanging)
                    + " faulty sessions: a flood, not one line per fault kind");
        }
        if (maxPeerpulseThreads > threadBound) {
            failures.add("PeerPulse threads reached " + maxPeerpulseThreads + ", over the bound " + threadBound);
        }
        System.out.printf("sessions %d (under test %d: healthy sources %d; blocking %d, throwing %d, never completing %d;"
                        + " hanging exporter %d; control %d); run %d ms at %d ms polls; polls lost: healthy under test"
                        + " %d of %d, worst %d; control %d of %d, worst %d; blocking reads on the shared thread %d (%d ms,"
                        + " %d polls); worst kept (wall clock) %.3f; PeerPulse threads max %d (bound %d); JVM threads max"
                        + " %d (before %d); WARNING lines %d%n", SESSIONS, UNDER_TEST, healthy, blocking, throwing, never,
                hanging, SESSIONS - UNDER_TEST, TimeUnit.NANOSECONDS.toMillis(runNanos), POLL.toMillis(), healthyLost,
                healthyDue, worstLost, controlLost, controlDue, controlWorstLost, heldCalls,
                TimeUnit.NANOSECONDS.toMillis(HELD_NANOS.get()), heldPolls, worstKept, maxPeerpulseThreads,
                threadBound, maxThreads, threadsBefore, warnings.size());
        if (!failures.isEmpty()) {
            System.out.println(failures.size() + " failures, the first: " + failures.subList(0, Math.min(10,
                    failures.size())) + (failures.size() > 10 ? "; the last: " + failures.get(failures.size() - 1) : ""));
            System.exit(1);
        }
        if (worstKept >= 0.95) {
            System.out.println(WALL_CLOCK_KEPT);
        }
        System.out.println(DONE);
        // main returns with hung exporter threads: daemon threads, so the JVM must exit by itself
    }

    /**
     * Real blocking I/O on the calling thread, the plugin author's mistake under test: a receive on a UDP
     * socket nobody sends to, which returns when its timeout passes.
     */
    static void blockingReceive(long millis) {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout((int) millis);
            socket.receive(new java.net.DatagramPacket(new byte[1], 1));
        } catch (java.net.SocketTimeoutException expected) {
            // the I/O took its time and found nothing: what a blocking read() does
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
