package io.peerpulse.integration;

import io.peerpulse.telemetry.fixtures.BusyThreads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCPeerConnection;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How long the project's own sources hold their caller, with two busy threads beside them and several peer pairs
 * measured at once: the calls the sources used to make on the caller's thread (getConnectionState + getStats;
 * a data-channel send), against read() now. A measurement, printed; tagged "timing" (run with -Dgroups=timing).
 */
@Tag("timing")
class CallerThreadTimes {

    private static final int PAIRS = 4;
    private static final int READS = 200;

    @Test
    void printHowLongEachWayHoldsTheCaller() throws Exception {
        List<WebRtcPeers> pairs = new ArrayList<>();
        List<DataChannelProbe> probes = new ArrayList<>();
        List<WebRtcRttSource> sources = new ArrayList<>();
        try (BusyThreads busy = new BusyThreads(2)) {
            for (int i = 0; i < PAIRS; i++) {
                WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT));
                pairs.add(peers);
                probes.add(DataChannelProbe.open(peers.peerA()));
                probes.add(DataChannelProbe.open(peers.peerB()));
            }
            List<Thread> readers = new ArrayList<>();
            long[][] results = new long[PAIRS * 4][];
            for (int i = 0; i < PAIRS; i++) {
                int pair = i;
                WebRtcPeers peers = pairs.get(i);
                RTCPeerConnection pc = peers.peerA();
                WebRtcRttSource ice = WebRtcRttSource.of(pc);
                sources.add(ice);
                DataChannelProbe probe = probes.get(2 * i);
                readers.add(new Thread(() -> {
                    results[pair * 4] = time(() -> { // what WebRtcRttSource.read() did before
                        pc.getConnectionState();
                        CompletableFuture<RttReading> done = new CompletableFuture<>();
                        pc.getStats(report -> done.complete(RttReading.stale()));
                        return done;
                    });
                    results[pair * 4 + 1] = time(ice::read);
                    results[pair * 4 + 2] = time(() -> { // what DataChannelProbe.read() did before: a send
                        try {
                            peers.channelA().send(new RTCDataChannelBuffer(ByteBuffer.wrap(new byte[16]), true));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return CompletableFuture.completedFuture(RttReading.stale());
                    });
                    results[pair * 4 + 3] = time(probe::read);
                }, "reader-" + i));
            }
            readers.forEach(Thread::start);
            for (Thread reader : readers) {
                reader.join(TimeUnit.MINUTES.toMillis(5));
            }
            String[] names = {"getConnectionState+getStats on the caller", "WebRtcRttSource.read() now",
                "data-channel send on the caller", "DataChannelProbe.read() now"};
            for (int kind = 0; kind < 4; kind++) {
                List<Long> all = new ArrayList<>();
                long firstCallsMax = 0;
                for (int pair = 0; pair < PAIRS; pair++) {
                    assertThat(results[pair * 4 + kind]).isNotNull();
                    // a source's first 3 calls (a cold start) apart, as the telemetry's blocking rule counts
                    Arrays.stream(results[pair * 4 + kind]).skip(3).forEach(all::add);
                    firstCallsMax = Math.max(firstCallsMax, Arrays.stream(results[pair * 4 + kind]).limit(3).max()
                            .orElse(0));
                }
                all.sort(null);
                long over10 = all.stream().filter(t -> t > 10_000_000L).count();
                System.out.printf("%-45s median %8.3f ms  p99 %8.3f ms  max %8.3f ms  over 10 ms %d of %d;"
                                + " first 3 calls max %8.3f ms%n", names[kind], all.get(all.size() / 2) / 1e6,
                        all.get((int) (all.size() * 0.99)) / 1e6, all.get(all.size() - 1) / 1e6, over10, all.size(),
                        firstCallsMax / 1e6);
            }
        } finally {
            probes.forEach(DataChannelProbe::close);
            sources.forEach(WebRtcRttSource::close);
            pairs.forEach(WebRtcPeers::close);
        }
    }

    /** Times READS calls on this thread (the call and attaching to its stage), each answer awaited. */
    private static long[] time(RttSource source) {
        long[] took = new long[READS];
        for (int i = 0; i < READS; i++) {
            long started = System.nanoTime();
            CompletionStage<RttReading> stage = source.read();
            CompletableFuture<RttReading> answered = new CompletableFuture<>();
            stage.whenComplete((r, t) -> answered.complete(r));
            took[i] = System.nanoTime() - started;
            try {
                answered.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("read " + i + " not answered", e);
            }
        }
        return took;
    }
}
