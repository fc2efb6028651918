package io.peerpulse.integration;

import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child-JVM main of {@link JournalKillTest}: a session polling a synthetic source every millisecond on
 * the real shared scheduler, journaling into {@code args[0]}, until the test kills it with SIGKILL. It
 * prints {@link #STARTED} with the journal's path, then {@link #POLLED} once the source has been asked for
 * {@code args[1]} readings: the events the test waits for.
 */
final class JournalKillChild {

    static final String STARTED = "journal: ";
    static final String POLLED = "polled: ";

    private JournalKillChild() {
    }

    public static void main(String[] args) throws Exception {
        GameSession session = GameSession.builder("kill-" + ProcessHandle.current().pid())
                .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(1)).maxSampleCount(1_000_000)
                        .build())
                .exporterProviders(java.util.List.of())
                .journalDirectory(Path.of(args[0]))
                .build();
        System.out.println(STARTED + session.journalPath().orElseThrow());
        System.out.flush();
        long polls = Long.parseLong(args[1]);
        AtomicLong reads = new AtomicLong();
        session.beginRound(1);
        // arbitrary bits, answered at once or a little later on another thread: both paths record
        session.onDataChannelOpen(() -> {
            if (reads.incrementAndGet() == polls) {
                System.out.println(POLLED + polls);
                System.out.flush();
            }
            return ThreadLocalRandom.current().nextBoolean()
                    ? CompletableFuture.completedStage(RttReading.measured(ThreadLocalRandom.current().nextDouble(1, 300)))
                    : CompletableFuture.supplyAsync(() -> RttReading.measured(ThreadLocalRandom.current().nextDouble()));
        });
        Thread.currentThread().join(); // until killed
    }
}
