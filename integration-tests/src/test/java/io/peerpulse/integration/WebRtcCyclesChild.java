package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Child-JVM main of {@link WebRtcCyclesTest}: {@value #CYCLES} times, two real peers connect, a telemetry
 * polls peer A every 50 ms until it has polled a few times and measured once, the telemetry stops, the peers close (the
 * documented order). Then it checks that no non-daemon thread was left and returns without System.exit:
 * the JVM must end by itself.
 */
final class WebRtcCyclesChild {

    static final int CYCLES = 100;
    static final int POLLS_PER_CYCLE = 3;
    static final String DONE = "webrtc cycles: main returns";
    static final String LEAK = "non-daemon threads left: ";

    private WebRtcCyclesChild() {
    }

    public static void main(String[] args) throws Exception {
        Set<Thread> before = nonDaemon();
        long start = System.nanoTime();
        long polls = 0;
        long measured = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(20)))) {
                WebRtcRttSource source = WebRtcRttSource.of(peers.peerA());
                LatencyTelemetry telemetry = new LatencyTelemetry(source,
                        TelemetryOptions.builder().pollInterval(Duration.ofMillis(50))
                                .readTimeout(Duration.ofSeconds(2)).build());
                Recorder recorder = new Recorder();
                telemetry.addListener(recorder);
                telemetry.start();
                boolean polled = recorder.await(p -> p.size() >= POLLS_PER_CYCLE
                        && p.stream().anyMatch(x -> x.outcome() == PollOutcome.MEASURED), Duration.ofSeconds(10));
                telemetry.stop(); // before the peers close, and its source
                source.close();
                TelemetryCounters counters = telemetry.getCounters();
                if (!polled || counters.failedCount() > 0 || counters.measuredCount() == 0) {
                    throw new IllegalStateException("cycle " + cycle + ": " + counters + "; " + peers);
                }
                polls += counters.pollCount();
                measured += counters.measuredCount();
            }
        }
        long nanos = System.nanoTime() - start;
        Set<Thread> left = nonDaemon();
        left.removeAll(before);
        for (Thread thread : left) {
            thread.join(5_000);
        }
        left.removeIf(t -> !t.isAlive());
        System.out.printf("%d cycles in %d ms (%.1f ms per cycle), %d polls, %d measured%n",
                CYCLES, nanos / 1_000_000, nanos / 1e6 / CYCLES, polls, measured);
        if (!left.isEmpty()) {
            System.out.println(LEAK + left);
            throw new IllegalStateException(LEAK + left);
        }
        System.out.println(DONE);
    }

    private static Set<Thread> nonDaemon() {
        Set<Thread> threads = new LinkedHashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!thread.isDaemon() && thread.isAlive()) {
                threads.add(thread);
            }
        }
        return threads;
    }
}
