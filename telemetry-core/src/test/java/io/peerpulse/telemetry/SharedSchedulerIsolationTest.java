package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real time, the real shared scheduler: three sources whose read() blocks its caller for 500 ms do not
 * take a healthy 10 Hz telemetry's polls. The window is measured in the blocking sources' own reads (from
 * each one's 3rd to its 7th read: at least 4 × 500 ms), so no real-time bound is asserted.
 */
class SharedSchedulerIsolationTest {

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private static final int BLOCKERS = 3;
    private static final long BLOCK_MS = 500;

    static final class BlockingSource implements RttSource {
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch third = new CountDownLatch(1);
        final CountDownLatch seventh = new CountDownLatch(1);

        @Override
        public CompletionStage<RttReading> read() {
            blockingReceive(BLOCK_MS); // the fault under test: I/O on the caller's thread
            int n = reads.incrementAndGet();
            if (n == 3) {
                third.countDown();
            } else if (n == 7) {
                seventh.countDown();
            }
            return CompletableFuture.completedFuture(RttReading.measured(5));
        }
    }

    @Test
    void threeSourcesBlocking500MsEachCostAHealthy10HzTelemetryAtMostAFewPolls() throws Exception {
        AtomicLong healthyPolls = new AtomicLong();
        LatencyTelemetry healthy = new LatencyTelemetry(
                () -> CompletableFuture.completedFuture(RttReading.measured(10)),
                TelemetryOptions.builder().pollInterval(Duration.ofMillis(100)).name("healthy").build());
        healthy.addListener(event -> healthyPolls.incrementAndGet());
        List<BlockingSource> blockers = new ArrayList<>();
        List<LatencyTelemetry> blocked = new ArrayList<>();
        try {
            healthy.start();
            for (int i = 0; i < BLOCKERS; i++) {
                BlockingSource source = new BlockingSource();
                blockers.add(source);
                LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                        .pollInterval(Duration.ofMillis(100)).readTimeout(Duration.ofSeconds(2)).name("blocker-" + i)
                        .build());
                blocked.add(telemetry);
                telemetry.start();
            }
            for (BlockingSource source : blockers) {
                assertThat(source.third.await(60, TimeUnit.SECONDS)).as("3rd read of a blocking source").isTrue();
            }
            long fromNanos = System.nanoTime();
            long fromPolls = healthyPolls.get();
            for (BlockingSource source : blockers) {
                assertThat(source.seventh.await(60, TimeUnit.SECONDS)).as("7th read of a blocking source").isTrue();
            }
            long polls = healthyPolls.get() - fromPolls;
            long due = (System.nanoTime() - fromNanos) / Duration.ofMillis(100).toNanos();

            assertThat(due).as("the window spans at least four blocking reads").isGreaterThanOrEqualTo(19);
            assertThat(polls).as("healthy polls while the blocking sources made 4 reads each (%d due)", due)
                    .isGreaterThanOrEqualTo((long) Math.floor(0.9 * due));
            assertThat(blocked).allMatch(LatencyTelemetry::isIsolated);
            // (not asserted: healthy is never isolated — a GC pause over 10 ms inside its read() would isolate it)
            for (int i = 0; i < BLOCKERS; i++) {
                String name = "'blocker-" + i + "'";
                assertThat(log.warnings(LatencyTelemetry.class)).filteredOn(w -> w.contains(name) && w.contains("blocked"))
                        .singleElement().asString().contains(BlockingSource.class.getName(), "isolated-read pool");
            }
        } finally {
            healthy.close();
            blocked.forEach(LatencyTelemetry::close);
        }
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
