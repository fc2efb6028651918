package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: a teardown stress run on real peers. Repeats a teardown of real peers while their connection is read as
 * fast as possible, so that a call into webrtc-java in progress when the factory is disposed shows as a JVM crash
 * (exit 134, an {@code hs_err} file); a crash ends the run, so run it in a loop and count. Orders:
 * <ul>
 *   <li>{@code documented}: a telemetry polls a {@code WebRtcRttSource} every 1 ms in {@code CURRENT_EVERY_POLL}
 *       and two threads read it in a loop; the telemetry stops, the source closes, the peers close;</li>
 *   <li>{@code stop-only}: the order documented before 9d8ddfe: a telemetry polls every 1 ms, stops, the peers
 *       close (the source is closed only after them);</li>
 *   <li>{@code session}: a {@code GameSession} polls a probe on A (B has one too) every 2 ms, with the ICE view
 *       beside it, two threads read the ICE source; {@code session.close()}, probe B closes, the peers close;</li>
 *   <li>{@code slow-exporter}: a session on an executor of one thread, whose exporter's {@code sessionEnded} takes
 *       1 s, beyond the exporter timeout of 200 ms, polls a probe on A; {@code session.close()}, probe B closes, the
 *       peers close;</li>
 *   <li>{@code wrong}: as {@code documented}, but the peers close while the telemetry and the readers still read;</li>
 *   <li>{@code reconnect}: a session polls the ICE view of a first pair, then {@code onDataChannelOpen} with a
 *       source on a second pair, then the first pair closes at once (the session closes the replaced source later,
 *       on its executor);</li>
 *   <li>{@code reconnect-documented}: as {@code reconnect}, but the caller closes the replaced source before the
 *       first pair closes, as GameSession's Javadoc says;</li>
 *   <li>{@code reconnect-probe}: as {@code reconnect}, with a probe on each pair (the session polls the one on A
 *       and replaces it by the second pair's), probe B of the first pair closed by the caller before the pair;</li>
 *   <li>{@code reconnect-probe-documented}: as {@code reconnect-probe}, but the caller closes the replaced probe
 *       before the first pair closes.</li>
 * </ul>
 * Prints {@code cycle N ok} after each cycle and {@code stress done} at the end. Numbers (2026-12-07, 2 cores, two
 * busy loops beside): none crashed in {@code documented}, {@code session}, {@code reconnect-documented},
 * {@code reconnect-probe-documented}; {@code reconnect-probe} crashed once in about 27 reconnections;
 * {@code slow-exporter} crashed in every run (42 of 42, at the first cycle) until the session closed its sources on
 * its shared pool, then none.
 *
 * <p>{@code java -cp <test class path> io.peerpulse.integration.TeardownStressRun <order> <cycles> <seconds>}
 */
public final class TeardownStressRun {

    private TeardownStressRun() {
    }

    public static void main(String[] args) throws Exception {
        String order = args[0];
        int cycles = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        AtomicLong reads = new AtomicLong();
        for (int cycle = 0; cycle < cycles && System.nanoTime() < deadline; cycle++) {
            switch (order) {
                case "documented" -> telemetryCycle(false, reads);
                case "wrong" -> telemetryCycle(true, reads);
                case "stop-only" -> stopOnlyCycle();
                case "session" -> sessionCycle(reads);
                case "slow-exporter" -> slowExporterCycle();
                case "reconnect" -> reconnectCycle(false, reads);
                case "reconnect-documented" -> reconnectCycle(true, reads);
                case "reconnect-probe" -> reconnectProbeCycle(false);
                case "reconnect-probe-documented" -> reconnectProbeCycle(true);
                default -> throw new IllegalArgumentException("order " + order);
            }
            System.out.println("cycle " + cycle + " ok");
        }
        System.out.println("stress done, measured reads of the readers " + reads.get());
        System.exit(0);
    }

    private static WebRtcPeers open() throws InterruptedException {
        return WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(20)));
    }

    /** Two threads reading {@code source} until stopped. */
    private static final class Readers implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Readers(WebRtcRttSource source, AtomicLong reads) {
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            if (source.read().toCompletableFuture().get(2, TimeUnit.SECONDS)
                                    instanceof io.peerpulse.telemetry.spi.RttReading.Measured) {
                                reads.incrementAndGet();
                            }
                        } catch (Exception e) {
                            // a read that times out or fails: keep reading
                        }
                    }
                }, "stress-reader-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    /**
     * A random moment of the reading: 1 to 8 raw data-channel echoes on {@code peers}, each awaited (a real event,
     * bounded), while the readers and the session go on.
     */
    private static void pause(WebRtcPeers peers) throws Exception {
        for (int i = ThreadLocalRandom.current().nextInt(1, 9); i > 0; i--) {
            peers.echoAsync(Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        }
    }

    private static void telemetryCycle(boolean wrongOrder, AtomicLong reads) throws Exception {
        WebRtcPeers peers = open();
        WebRtcRttSource source = WebRtcRttSource.of(peers.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
        LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                .pollInterval(Duration.ofMillis(1)).readTimeout(Duration.ofSeconds(2)).build());
        telemetry.start();
        Readers readers = new Readers(source, reads);
        pause(peers);
        if (wrongOrder) {
            peers.close();
            telemetry.stop();
            source.close();
            readers.close();
        } else {
            telemetry.stop();
            source.close();
            peers.close(); // the readers still read: a closed source answers at once
            readers.close();
        }
    }

    private static void stopOnlyCycle() throws Exception {
        WebRtcPeers peers = open();
        WebRtcRttSource source = WebRtcRttSource.of(peers.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
        LatencyTelemetry telemetry = new LatencyTelemetry(source, TelemetryOptions.builder()
                .pollInterval(Duration.ofMillis(1)).readTimeout(Duration.ofSeconds(2)).build());
        telemetry.start();
        pause(peers);
        telemetry.stop();
        peers.close();
        source.close();
    }

    private static GameSession session() {
        return GameSession.builder("stress").journal(false).telemetryOptions(TelemetryOptions.builder()
                .pollInterval(Duration.ofMillis(2)).readTimeout(Duration.ofSeconds(2)).build()).exporters().build();
    }

    private static void sessionCycle(AtomicLong reads) throws Exception {
        WebRtcPeers peers = open();
        DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
        DataChannelProbe probeB = DataChannelProbe.open(peers.peerB());
        WebRtcRttSource ice = WebRtcRttSource.of(peers.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
        GameSession session = session();
        session.onDataChannelOpen(probeA, ice);
        Readers readers = new Readers(ice, reads);
        pause(peers);
        session.close();
        probeB.close();
        peers.close();
        readers.close();
    }

    private static void slowExporterCycle() throws Exception {
        WebRtcPeers peers = open();
        DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
        DataChannelProbe probeB = DataChannelProbe.open(peers.peerB());
        java.util.concurrent.ExecutorService game = java.util.concurrent.Executors.newSingleThreadExecutor();
        SlowEnd slow = new SlowEnd();
        GameSession session = GameSession.builder("stress").journal(false).executor(game)
                .exporterTimeout(Duration.ofMillis(200)).exporterProviders(List.of(slow))
                .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(2))
                        .readTimeout(Duration.ofSeconds(2)).build()).build();
        session.onDataChannelOpen(probeA);
        pause(peers);
        session.close(); // returns at the exporter timeout: probe A's close() still queued behind the exporter
        probeB.close();
        peers.close();
        slow.release.countDown();
        game.shutdown();
        game.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** An exporter whose sessionEnded lasts until the cycle tore down (a stuck disk): past the exporter timeout. */
    private static final class SlowEnd implements io.peerpulse.session.spi.SessionExporterProvider,
            io.peerpulse.session.spi.SessionExporter {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        @Override
        public String name() {
            return "slow-end";
        }

        @Override
        public io.peerpulse.session.spi.SessionExporter create(io.peerpulse.session.spi.ExportSettings settings) {
            return this;
        }

        @Override
        public void sessionEnded(io.peerpulse.session.SessionReport report) {
            try {
                release.await(10, TimeUnit.SECONDS); // past the exporter timeout: until the cycle tore down
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void reconnectCycle(boolean closeReplaced, AtomicLong reads) throws Exception {
        WebRtcPeers first = open();
        WebRtcPeers second = open();
        WebRtcRttSource old = WebRtcRttSource.of(first.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
        WebRtcRttSource next = WebRtcRttSource.of(second.peerA(), WebRtcRttSource.Mode.CURRENT_EVERY_POLL);
        GameSession session = session();
        session.onDataChannelOpen(old); // only the session reads it: every 2 ms
        pause(first);
        session.onDataChannelOpen(next);
        if (closeReplaced) {
            old.close();
        }
        first.close(); // the reconnection's old pair goes away at once
        pause(second);
        session.close();
        second.close();
    }

    private static void reconnectProbeCycle(boolean closeReplaced) throws Exception {
        WebRtcPeers first = open();
        WebRtcPeers second = open();
        DataChannelProbe oldA = DataChannelProbe.open(first.peerA());
        DataChannelProbe oldB = DataChannelProbe.open(first.peerB());
        DataChannelProbe nextA = DataChannelProbe.open(second.peerA());
        DataChannelProbe nextB = DataChannelProbe.open(second.peerB());
        GameSession session = session();
        session.onDataChannelOpen(oldA);
        pause(first);
        session.onDataChannelOpen(nextA);
        if (closeReplaced) {
            oldA.close();
        }
        oldB.close();
        first.close(); // the reconnection's old pair goes away at once; the session closes oldA on its executor
        pause(second);
        session.close();
        nextB.close();
        second.close();
    }
}
