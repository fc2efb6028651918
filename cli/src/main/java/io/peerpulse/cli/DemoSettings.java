package io.peerpulse.cli;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * What the demo can run, checked before anything starts, and its session ids. The bounds keep a link
 * the two peers can connect over within the demo's 30 s connection timeout (ICE and DTLS need several
 * round trips; the relay itself takes up to 1 h) and a session that ends within a day.
 */
final class DemoSettings {

    static final Duration MAX_RTT = Duration.ofSeconds(10);
    static final Duration MIN_DURATION = Duration.ofSeconds(1);
    static final Duration MAX_DURATION = Duration.ofHours(24);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private DemoSettings() {
    }

    /** @throws Main.UsageException naming the option, its value and the bound */
    static void check(Duration rtt, Duration jitter, double loss, Duration duration) {
        if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new Main.UsageException("--duration must be from 1s to 24h, was " + Values.duration(duration));
        }
        if (rtt.compareTo(MAX_RTT) > 0) {
            throw new Main.UsageException("--rtt must be at most 10s (the peers must connect through the relay "
                    + "within 30 s), was " + Values.duration(rtt));
        }
        if (jitter.multipliedBy(2).compareTo(rtt) > 0) {
            throw new Main.UsageException("--jitter (" + Values.duration(jitter) + ") must not exceed half of --rtt ("
                    + Values.duration(rtt) + "): each direction varies by up to half of it");
        }
        if (!(loss < 1)) {
            throw new Main.UsageException("--loss must be below 100% (no packet would get through), was "
                    + Values.ms(loss * 100) + "%");
        }
    }

    /** @return {@code demo-<UTC second>-<8 random hex digits>}: unique per run, sortable by start */
    static String newSessionId(Instant now) {
        byte[] bytes = new byte[4];
        RANDOM.nextBytes(bytes);
        return "demo-" + SECOND.format(now) + "-" + HexFormat.of().formatHex(bytes);
    }
}
