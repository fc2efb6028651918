package io.peerpulse.export.micrometer.internal;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.telemetry.shared.Redaction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The exporter's settings, read from a session's {@link ExportSettings} and checked once, when the
 * session's exporter is created.
 *
 * @param tags        application tags added to every meter; bounded by the application, never per session
 * @param histogram   whether the RTT timer publishes a percentile histogram ({@code _bucket} series)
 * @param slos        service-level boundaries published as extra histogram buckets, ascending
 * @param keepMeters  whether meters stay in the registry when no session uses them any more
 * @since 0.1.0
 */
record MicrometerSettings(Tags tags, boolean histogram, List<Duration> slos, boolean keepMeters) {

    /**
     * Setting key: {@code true} (default) or {@code false}, whether the RTT timer publishes a percentile
     * histogram.
     *
     * @since 0.1.0
     */
    public static final String HISTOGRAM = "peerpulse.export.micrometer.histogram";
    /**
     * Setting key: comma-separated service-level boundaries in milliseconds, each with or without its unit
     * ({@code 150} or {@code 150ms}), published as histogram buckets; default {@value #DEFAULT_SLO_MS} (the
     * session's FAIR and POOR quality thresholds); {@code none} for none; a blank value is refused.
     *
     * @since 0.1.0
     */
    public static final String SLO = "peerpulse.export.micrometer.slo";
    /**
     * Setting key: application tags added to every meter, {@code key=value,key=value}; default none.
     *
     * @since 0.1.0
     */
    public static final String TAGS = "peerpulse.export.micrometer.tags";
    /**
     * Setting key: {@code true} (default) or {@code false}, whether meters stay in the registry when the
     * last session using them ended.
     *
     * @since 0.1.0
     */
    public static final String KEEP_METERS = "peerpulse.export.micrometer.keep-meters";

    /**
     * The default of {@link #SLO}.
     *
     * @since 0.1.0
     */
    public static final String DEFAULT_SLO_MS = "150,300";
    /**
     * Most application tags.
     *
     * @since 0.1.0
     */
    public static final int MAX_TAGS = 8;
    /**
     * Tag keys the exporter uses itself or that Prometheus reserves for histograms and summaries.
     *
     * @since 0.1.0
     */
    public static final Set<String> RESERVED_TAG_KEYS = Set.of("outcome", "le", "quantile");

    private static final Pattern TAG_KEY = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern TAG_VALUE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final long MAX_SLO_MS = 60_000;

    /**
     * Copies the list.
     *
     * @param tags       see the record description
     * @param histogram  see the record description
     * @param slos       see the record description
     * @param keepMeters see the record description
     * @since 0.1.0
     */
    public MicrometerSettings {
        slos = List.copyOf(slos);
    }

    /**
     * Reads and checks the settings.
     *
     * @param settings a session's export settings
     * @return the settings
     * @throws IllegalArgumentException naming the key and the bad value
     * @since 0.1.0
     */
    public static MicrometerSettings from(ExportSettings settings) {
        return new MicrometerSettings(
                tags(settings.get(TAGS)),
                bool(HISTOGRAM, settings.get(HISTOGRAM), true),
                slos(settings.get(SLO).orElse(DEFAULT_SLO_MS)),
                bool(KEEP_METERS, settings.get(KEEP_METERS), true));
    }

    private static boolean bool(String key, Optional<String> value, boolean otherwise) {
        if (value.isEmpty()) {
            return otherwise;
        }
        String text = value.get().strip().toLowerCase(Locale.ROOT);
        if (text.equals("true")) {
            return true;
        }
        if (text.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException(key + " must be true or false, was '" + value.get() + "'");
    }

    private static List<Duration> slos(String value) {
        String text = value.strip();
        if (text.isEmpty()) { // -D…slo= of an unset variable: not "none", which drops the default boundaries
            throw new IllegalArgumentException(SLO + " must not be blank: give milliseconds, e.g. '" + DEFAULT_SLO_MS
                    + "', or 'none' for no boundary");
        }
        if (text.equalsIgnoreCase("none")) {
            return List.of();
        }
        List<Duration> slos = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String number = part.strip();
            if (number.regionMatches(true, Math.max(0, number.length() - 2), "ms", 0, 2)) {
                number = number.substring(0, number.length() - 2).strip(); // "150ms", as durations are written elsewhere
            }
            double ms;
            try {
                ms = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SLO + " must be milliseconds separated by commas, e.g. '"
                        + DEFAULT_SLO_MS + "' or '150ms,300ms', or 'none'; was '" + value + "'", e);
            }
            if (!(ms > 0 && ms <= MAX_SLO_MS)) {
                throw new IllegalArgumentException(SLO + " boundaries must be above 0 and at most " + MAX_SLO_MS
                        + " ms, was '" + value + "'");
            }
            Duration slo = Duration.ofNanos(Math.round(ms * 1e6));
            if (!slos.isEmpty() && slo.compareTo(slos.get(slos.size() - 1)) <= 0) {
                throw new IllegalArgumentException(SLO + " boundaries must be ascending and distinct, was '"
                        + value + "'");
            }
            slos.add(slo);
        }
        return slos;
    }

    private static Tags tags(Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) {
            return Tags.empty();
        }
        List<Tag> tags = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (String pair : value.get().split(",", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip();
            String tagValue = eq < 0 ? "" : pair.substring(eq + 1).strip();
            if (!TAG_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(TAGS + " must be key=value pairs separated by commas, keys"
                        + " lower-case (letters, digits, '_', starting with a letter, at most 63); bad key '"
                        + key + "'");
            }
            if (RESERVED_TAG_KEYS.contains(key)) {
                throw new IllegalArgumentException(TAGS + " must not use the reserved key '" + key + "' (reserved: "
                        + RESERVED_TAG_KEYS + ")");
            }
            if (!keys.add(key)) {
                throw new IllegalArgumentException(TAGS + " names the key '" + key + "' twice");
            }
            // the repository's one address rule; within TAG_VALUE's characters its IPv4 part, a host name spelling
            // an IPv4 address with dashes (10-0-0-1.eu) and a number labelled as a port (port5000) can match
            if (!TAG_VALUE.matcher(tagValue).matches() || Redaction.looksLikeAddress(tagValue)) {
                // the value is not echoed: it might be an address
                throw new IllegalArgumentException(TAGS + " value of '" + key + "' must be 1 to 64 letters, digits,"
                        + " '.', '_' or '-', and not an IP address (also none spelled with dashes, as in"
                        + " 10-0-0-1.example.net) nor a number labelled as a port (port5000)");
            }
            tags.add(Tag.of(key, tagValue));
        }
        if (tags.size() > MAX_TAGS) {
            throw new IllegalArgumentException(TAGS + " may name at most " + MAX_TAGS + " tags, named " + tags.size());
        }
        return Tags.of(tags);
    }
}
