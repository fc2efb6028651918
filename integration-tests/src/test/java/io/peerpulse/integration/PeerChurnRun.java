package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Not a test: a churn run on real peers. Creates and closes pairs of real webrtc-java peers in sequence, each with a
 * probe on both and a session polling A's probe with the ICE view beside it, until a first probe sample; prints
 * heap after GC, threads, fds and RSS every {@code every} pairs.
 *
 * <p>{@code java -cp <test class path> io.peerpulse.integration.PeerChurnRun <pairs> <every>}
 */
public final class PeerChurnRun {

    private PeerChurnRun() {
    }

    public static void main(String[] args) throws Exception {
        int pairs = Integer.parseInt(args[0]);
        int every = Integer.parseInt(args[1]);
        report(0);
        for (int i = 1; i <= pairs; i++) {
            try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(20)))) {
                if (Boolean.getBoolean("churn.peersOnly")) {
                    if (i % every == 0) {
                        report(i);
                    }
                    continue;
                }
                DataChannelProbe probeB = DataChannelProbe.open(peers.peerB());
                CountDownLatch sampled = new CountDownLatch(1);
                try (GameSession session = GameSession.builder("peer-churn-" + i)
                        .exporterProviders(List.of(firstSample(sampled)))
                        .journal(false)
                        .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(100))
                                .firstPollDelay(Duration.ZERO).build())
                        .build()) {
                    session.onDataChannelOpen(DataChannelProbe.open(peers.peerA()), WebRtcRttSource.of(peers.peerA()));
                    if (!sampled.await(10, TimeUnit.SECONDS)) { // the session's first sample, a real event
                        System.out.println("pair " + i + ": no sample in 10 s");
                    }
                } finally {
                    probeB.close();
                }
            }
            if (i % every == 0) {
                report(i);
            }
        }
    }

    private static void report(int pairs) throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        long rssKb = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
        System.out.printf("pairs %d: heap after GC %.1f MiB, threads %d, fds %d, RSS %.1f MiB%n", pairs,
                heap / 1048576.0, ManagementFactory.getThreadMXBean().getThreadCount(), fds, rssKb / 1024.0);
        String histograms = System.getProperty("churn.histograms");
        if (histograms != null) {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Files.writeString(Path.of(histograms, "histogram-" + pairs + ".txt"), text.toString());
        }
    }

    /** An exporter that counts down {@code sampled} at the session's first sample. */
    private static SessionExporterProvider firstSample(CountDownLatch sampled) {
        return new SessionExporterProvider() {
            @Override
            public String name() {
                return "first-sample";
            }

            @Override
            public SessionExporter create(ExportSettings settings) {
                return new SessionExporter() {
                    @Override
                    public void sampleRecorded(String sessionId, RttSample sample) {
                        sampled.countDown();
                    }

                    @Override
                    public void sessionEnded(SessionReport report) {
                    }
                };
            }
        };
    }
}
