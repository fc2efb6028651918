package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child-JVM main of {@link WrongTeardownOrderTest}: the caller forgets to stop the telemetry and closes
 * the peers (connections, factory, audio module) while it still polls peer A every 20 ms; it keeps
 * polling for about a second (50 more polls), then the telemetry stops and main returns. Two rounds in
 * three close right after a read issued {@code getStats}, so that the factory is disposed under a pending
 * {@code getStats} callback; the others close at an arbitrary moment of the poll cycle.
 */
final class WrongTeardownOrderChild {

    static final int ROUNDS = 12;
    static final int POLLS_AFTER_CLOSE = 50;
    static final String DONE = "wrong teardown order: main returns";
    static final String PENDING = "rounds closed while a getStats was pending: ";

    private WrongTeardownOrderChild() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : ROUNDS;
        int pendingRounds = 0;
        for (int round = 0; round < rounds; round++) {
            WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(20)));
            ArmedSource source = new ArmedSource(WebRtcRttSource.of(peers.peerA()));
            LatencyTelemetry telemetry = new LatencyTelemetry(source,
                    TelemetryOptions.builder().pollInterval(Duration.ofMillis(20))
                            .readTimeout(Duration.ofSeconds(2)).build());
            Recorder recorder = new Recorder();
            telemetry.addListener(recorder);
            telemetry.start();
            int before = 3 + round;
            require(recorder.await(p -> p.size() >= before, Duration.ofSeconds(10)), "polls before close", telemetry);
            boolean pendingAtClose = false;
            if (round % 3 != 0) {
                // two rounds in three: close right after a read issued getStats, its callback (most likely) pending
                CompletableFuture<CompletionStage<RttReading>> issued = source.arm();
                CompletionStage<RttReading> read = issued.get(10, TimeUnit.SECONDS);
                pendingAtClose = !read.toCompletableFuture().isDone();
                peers.close(); // the telemetry still polls: the wrong order
            } else {
                // every third round: close at whatever moment of the poll cycle this is
                peers.close(); // the telemetry still polls: the wrong order
            }
            int seen = recorder.polls().size();
            require(recorder.await(p -> p.size() >= seen + POLLS_AFTER_CLOSE, Duration.ofSeconds(10)),
                    "polls after close", telemetry);
            telemetry.stop();
            List<Recorder.Poll> polls = recorder.polls();
            // The read in flight at close may still end measured or stale (and polls falling due meanwhile are
            // skipped); every read started after close is unavailable, and none fails or hangs.
            List<Recorder.Poll> after = polls.subList(seen, polls.size());
            long answered = after.stream().filter(p -> p.outcome() == PollOutcome.MEASURED
                    || p.outcome() == PollOutcome.STALE).count();
            long unexpected = after.stream().filter(p -> p.outcome() != PollOutcome.MEASURED
                    && p.outcome() != PollOutcome.STALE && p.outcome() != PollOutcome.UNAVAILABLE
                    && p.outcome() != PollOutcome.SKIPPED).count();
            TelemetryCounters counters = telemetry.getCounters();
            System.out.println("round " + round + ": " + counters + ", after close: " + after.size() + " polls, "
                    + answered + " answered from before close, getStats pending at close: " + pendingAtClose);
            pendingRounds += pendingAtClose ? 1 : 0;
            // the last read (a skipped poll reads nothing) is unavailable
            List<Recorder.Poll> reads = after.stream().filter(p -> p.outcome() != PollOutcome.SKIPPED).toList();
            if (answered > 1 || unexpected > 0 || counters.failedCount() > 0 || reads.isEmpty()
                    || reads.get(reads.size() - 1).outcome() != PollOutcome.UNAVAILABLE) {
                throw new IllegalStateException("round " + round + ": unexpected polls after close: " + after
                        + "; " + counters);
            }
        }
        System.out.println(PENDING + pendingRounds + " of " + rounds);
        System.out.println(DONE);
    }

    /** Passes reads through; once armed, hands the next read's stage over right after it was issued. */
    private static final class ArmedSource implements RttSource {
        private final RttSource delegate;
        private final AtomicReference<CompletableFuture<CompletionStage<RttReading>>> armed = new AtomicReference<>();

        ArmedSource(RttSource delegate) {
            this.delegate = delegate;
        }

        CompletableFuture<CompletionStage<RttReading>> arm() {
            CompletableFuture<CompletionStage<RttReading>> issued = new CompletableFuture<>();
            armed.set(issued);
            return issued;
        }

        @Override
        public CompletionStage<RttReading> read() {
            CompletionStage<RttReading> read = delegate.read();
            CompletableFuture<CompletionStage<RttReading>> issued = armed.getAndSet(null);
            if (issued != null) {
                issued.complete(read);
            }
            return read;
        }
    }

    private static void require(boolean condition, String what, LatencyTelemetry telemetry) {
        if (!condition) {
            throw new IllegalStateException(what + " did not happen in time: " + telemetry.getCounters());
        }
    }
}
