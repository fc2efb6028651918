package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.Comparator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.peerpulse.telemetry.fixtures.BusyThreads;
import io.peerpulse.telemetry.fixtures.LogCapture;

/**
 * Real time, the real shared scheduler, on a loaded machine: two threads of the test's own spin beside it for
 * the whole test (on 2 cores they take both). Waits are bounded and counted in the sources' own calls; no
 * real-time upper bound is asserted. Tagged {@code integration}: its 9 s of real time stay out of the quick run.
 */
@Tag("integration")
class SharedSchedulerIsolationTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private static final int BLOCKERS = 3;
    private static final long BLOCK_MS = 500;

    private BusyThreads busy;

    @BeforeEach
    void loadTheMachine() {
        busy = new BusyThreads(2);
    }

    @AfterEach
    void unload() throws InterruptedException {
        busy.close();
    }

    /** A source whose read() never returns until released: a plugin stuck for good on the polling thread. */
    static final class NeverReturns implements RttSource {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public CompletionStage<RttReading> read() {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(RttReading.measured(1));
        }
    }

    /**
     * A read() that never returns holds the shared scheduler's thread for good: the watchdog names it and another
     * thread takes over, so the other telemetries keep polling.
     */
    @Test
    void aReadThatNeverReturnsIsNamedAndTheOtherTelemetriesKeepPolling() throws Exception {
        NeverReturns stuck = new NeverReturns();
        LatencyTelemetry bad = new LatencyTelemetry(stuck, TelemetryOptions.builder()
                .pollInterval(Duration.ofMillis(100)).firstPollDelay(Duration.ZERO).name("never-returns").build());
        CountDownLatch healthyPolls = new CountDownLatch(20);
        LatencyTelemetry healthy = new LatencyTelemetry(() -> CompletableFuture.completedFuture(RttReading.measured(10)),
                TelemetryOptions.builder().pollInterval(Duration.ofMillis(100)).name("healthy-beside").build());
        healthy.addListener(event -> healthyPolls.countDown()); // started once the other is stuck
        try {
            bad.start();
            assertThat(stuck.entered.await(60, TimeUnit.SECONDS)).isTrue();
            healthy.start();

            assertThat(healthyPolls.await(120, TimeUnit.SECONDS)).as("20 polls of the healthy telemetry").isTrue();
            assertThat(logs.warnings(io.peerpulse.telemetry.internal.SharedScheduler.class,
                    "in " + NeverReturns.class.getName() + ".read: an RTT source's read() that does not return"))
                    .isNotEmpty();
        } finally {
            stuck.release.countDown();
            bad.close();
            healthy.close();
        }
    }

    /** What the issue measured being flagged: a source that only sends one datagram without blocking. */
    static final class UdpSendSource implements RttSource, AutoCloseable {
        private final DatagramChannel channel;
        private final InetSocketAddress to;
        private final ByteBuffer ping = ByteBuffer.allocate(16);

        UdpSendSource(InetSocketAddress to) throws IOException {
            this.channel = DatagramChannel.open();
            this.channel.configureBlocking(false);
            this.to = to;
        }

        @Override
        public synchronized CompletionStage<RttReading> read() {
            try {
                channel.send(ping.clear(), to); // non-blocking: queued, or dropped when the buffer is full
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(RttReading.measured(1));
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void twentyTelemetriesOfANonBlockingSourceStartingAtOnceOnALoadedMachineAreNeverCalledBlocking() throws Exception {
        int telemetries = 20;
        int polls = 40;
        List<LatencyTelemetry> started = new ArrayList<>();
        List<UdpSendSource> sources = new ArrayList<>();
        CountDownLatch allPolled = new CountDownLatch(telemetries);
        try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.getLocalPort());
            for (int i = 0; i < telemetries; i++) {
                UdpSendSource source = new UdpSendSource(to);
                sources.add(source);
                LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                        .pollInterval(Duration.ofMillis(50)).firstPollDelay(Duration.ZERO).name("udp-" + i).build());
                AtomicInteger count = new AtomicInteger();
                telemetry.addListener(event -> {
                    if (count.incrementAndGet() == polls) {
                        allPolled.countDown();
                    }
                });
                started.add(telemetry);
            }
            started.forEach(LatencyTelemetry::start); // all at once: the cold start the issue saw flagged
            assertThat(allPolled.await(120, TimeUnit.SECONDS)).as("%d polls of each telemetry", polls).isTrue();

            assertThat(started).noneMatch(LatencyTelemetry::isIsolated);
            assertThat(logs.warnings(LatencyTelemetry.class, "'udp-")).filteredOn(w -> w.contains("blocked")).isEmpty();
        } finally {
            started.forEach(LatencyTelemetry::close);
            for (UdpSendSource source : sources) {
                source.close();
            }
        }
    }

    /**
     * The fault under test: read() returns at once, but attaching to the stage blocks the attaching thread
     * (a stage implementation doing I/O in whenComplete). Counts its attachments.
     */
    static final class BlockingWhenCompleteSource implements RttSource {
        final AtomicInteger attachments = new AtomicInteger();
        /** When each of its first attachments started, System.nanoTime(). */
        final AtomicLongArray startedNanos = new AtomicLongArray(16);
        final CountDownLatch eleventh = new CountDownLatch(1);

        @Override
        public CompletionStage<RttReading> read() {
            return new SlowToAttach(this);
        }
    }

    static final class SlowToAttach extends CompletableFuture<RttReading> {
        private final BlockingWhenCompleteSource source;

        SlowToAttach(BlockingWhenCompleteSource source) {
            this.source = source;
            complete(RttReading.measured(5));
        }

        @Override
        public CompletableFuture<RttReading> whenComplete(BiConsumer<? super RttReading, ? super Throwable> action) {
            int n = source.attachments.incrementAndGet();
            if (n <= source.startedNanos.length()) {
                source.startedNanos.set(n - 1, System.nanoTime());
            }
            if (n == 11) {
                source.eleventh.countDown();
            }
            blockingReceive(BLOCK_MS);
            return super.whenComplete(action);
        }
    }

    @Test
    void threeSourcesWhoseStageBlocks500MsInWhenCompleteAreIsolatedAndCostAHealthy10HzTelemetryFewPolls()
            throws Exception {
        Queue<Long> healthyPollNanos = new ConcurrentLinkedQueue<>();
        LatencyTelemetry healthy = new LatencyTelemetry(
                () -> CompletableFuture.completedFuture(RttReading.measured(10)),
                TelemetryOptions.builder().pollInterval(Duration.ofMillis(100)).name("healthy").build());
        healthy.addListener(event -> healthyPollNanos.add(System.nanoTime()));
        List<BlockingWhenCompleteSource> blockers = new ArrayList<>();
        List<LatencyTelemetry> blocked = new ArrayList<>();
        try {
            healthy.start();
            // the blockers' own clock (real time all the same): the JVM-wide rate limit of their WARNINGs is theirs
            java.util.function.LongSupplier clock = () -> System.nanoTime();
            for (int i = 0; i < BLOCKERS; i++) {
                BlockingWhenCompleteSource source = new BlockingWhenCompleteSource();
                blockers.add(source);
                LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                        .pollInterval(Duration.ofMillis(100)).readTimeout(Duration.ofSeconds(2)).name("blocker-" + i)
                        .nanoClock(clock).build());
                blocked.add(telemetry);
                telemetry.start();
            }
            for (BlockingWhenCompleteSource source : blockers) {
                assertThat(source.eleventh.await(120, TimeUnit.SECONDS)).as("11th attachment of a blocker").isTrue();
            }
            assertThat(blocked).allMatch(LatencyTelemetry::isIsolated);
            // By the rule each blocker is isolated at its 6th call, so its 7th attachment runs on the pool. The
            // window opens when the last blocker's 7th attachment starts (all isolated) and closes when that
            // blocker's 11th starts: four of its attachments of 500 ms each, at least 2 s. Times are taken by the
            // threads where things happen, not by this (slow to wake) test thread.
            BlockingWhenCompleteSource last = blockers.stream()
                    .max(Comparator.comparingLong(b -> b.startedNanos.get(6))).orElseThrow();
            long from = last.startedNanos.get(6);
            long to = last.startedNanos.get(10);
            long polls = healthyPollNanos.stream().filter(t -> t >= from && t < to).count();
            long due = (to - from) / Duration.ofMillis(100).toNanos();

            assertThat(due).as("the window spans four blocking attachments").isGreaterThanOrEqualTo(19);
            assertThat(polls).as("healthy polls while the last isolated blocker made 4 attachments (%d due)", due)
                    .isGreaterThanOrEqualTo((long) Math.floor(0.9 * due));
            assertThat(healthy.isIsolated()).isFalse();
            // one fault of one source class in three telemetries: one line for the JVM, naming the first of them
            assertThat(logs.warnings(LatencyTelemetry.class)).filteredOn(w -> w.contains("'blocker-")
                    && w.contains("blocked")).singleElement().asString().contains(
                    BlockingWhenCompleteSource.class.getName(), "isolated-read pool",
                    "3 of its last 10 calls took longer than 10 ms");
            // named, if at all, only as late while the blockers held the thread (the JVM's late-poll warning)
            assertThat(logs.warnings(LatencyTelemetry.class)).noneMatch(w -> w.contains("'healthy'")
                    && !w.startsWith("Polls start late"));
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
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout((int) millis);
            socket.receive(new DatagramPacket(new byte[1], 1));
        } catch (SocketTimeoutException expected) {
            // the I/O took its time and found nothing: what a blocking stage does
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
