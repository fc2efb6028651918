package io.peerpulse.benchmarks;

import com.sun.management.ThreadMXBean;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.DataChannelProbe;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The probe's Java-side allocation per ping on two real peers (direct, in one JVM): bytes allocated by
 * the thread that calls {@code read()} and by the shared probe thread (which sends A's ping, answers it
 * as B, and matches B's pong as A), over N sequential pings after a warm-up, divided by N. Not counted:
 * webrtc-java's native callback thread (it copies each message: one {@code byte[]} and a lambda).
 */
public final class ProbeAllocationRun {

    private ProbeAllocationRun() {
    }

    /**
     * @param args {@code --pings N} (default 2000)
     * @throws Exception when the peers cannot connect
     */
    public static void main(String[] args) throws Exception {
        int pings = args.length == 2 && args[0].equals("--pings") ? Integer.parseInt(args[1]) : 2000;
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(30)));
             DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
             DataChannelProbe probeB = DataChannelProbe.open(peers.peerB())) {
            ping(probeA, Math.max(200, pings / 5)); // warm-up: the peer answers, the JIT compiles
            long probeThread = probeThreadId();
            long caller = Thread.currentThread().getId();
            long callerBefore = threads.getThreadAllocatedBytes(caller);
            long probeBefore = threads.getThreadAllocatedBytes(probeThread);
            int measured = ping(probeA, pings);
            long callerBytes = threads.getThreadAllocatedBytes(caller) - callerBefore;
            long probeBytes = threads.getThreadAllocatedBytes(probeThread) - probeBefore;
            System.out.println("| thread | bytes per ping |");
            System.out.println("|---|---:|");
            System.out.printf("| caller of read() (future, task) | %.0f |%n", (double) callerBytes / pings);
            System.out.printf("| probe thread (ping, answer, pong, match, reading) | %.0f |%n",
                    (double) probeBytes / pings);
            System.out.printf("%n%d pings, %d measured; %s%n", pings, measured, probeA.counters());
        }
    }

    /** Sends {@code count} pings one after the other; returns how many measured. */
    private static int ping(DataChannelProbe probe, int count) throws Exception {
        int measured = 0;
        for (int i = 0; i < count; i++) {
            RttReading reading = probe.read().toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (reading instanceof RttReading.Measured) {
                measured++;
            }
        }
        return measured;
    }

    private static long probeThreadId() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("peerpulse-probe"))
                .findFirst().orElseThrow(() -> new IllegalStateException("no peerpulse-probe thread")).getId();
    }
}
