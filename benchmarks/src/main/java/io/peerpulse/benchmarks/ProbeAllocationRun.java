package io.peerpulse.benchmarks;

import com.sun.management.ThreadMXBean;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.webrtc.DataChannelProbe;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The probe's Java-side allocation per ping on two real peers (direct, in one JVM), per thread and in
 * total: bytes allocated by every thread of the JVM over N sequential pings after a warm-up, divided by
 * N. The caller waits for each reading by polling {@code isDone()} with {@code parkNanos}, which
 * allocates nothing, so its row is the probe's own. The threads are the caller of {@code read()} (it
 * sends A's ping), the shared probe thread (B's answer, A's match, the timeout task) and webrtc-java's
 * native callback thread(s) (its own buffer objects for each message, the probe's copy and hand-off).
 */
public final class ProbeAllocationRun {

    private ProbeAllocationRun() {
    }

    /**
     * @param args {@code --pings N} (default 2000), {@code --interval-ms M} between pings (default 0:
     *             back to back)
     * @throws Exception when the peers cannot connect
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args, List.of("--pings", "--interval-ms"), List.of());
        int pings = options.integer("--pings", 2000, 1);
        long intervalMs = options.number("--interval-ms", 0, 0);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(30)));
             DataChannelProbe probeA = DataChannelProbe.open(peers.peerA());
             DataChannelProbe probeB = DataChannelProbe.open(peers.peerB())) {
            ping(probeA, Math.max(400, pings / 5), 0); // warm-up: the peer answers, the JIT compiles
            long caller = Thread.currentThread().getId();
            Map<Long, String> names = new HashMap<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                names.put(t.getId(), t.getName());
            }
            long[] ids = names.keySet().stream().mapToLong(Long::longValue).toArray();
            long[] before = threads.getThreadAllocatedBytes(ids);
            int measured = ping(probeA, pings, intervalMs);
            long[] after = threads.getThreadAllocatedBytes(ids);
            System.out.println("| thread | bytes per ping |");
            System.out.println("|---|---:|");
            long total = 0;
            for (int i = 0; i < ids.length; i++) {
                long bytes = before[i] < 0 || after[i] < 0 ? 0 : after[i] - before[i];
                total += bytes;
                if (bytes >= pings) { // at least 1 B per ping: this thread works for the probe
                    String name = ids[i] == caller ? "caller of read() (" + names.get(ids[i]) + ")" : names.get(ids[i]);
                    System.out.printf(Locale.ROOT, "| %s | %.1f |%n", name, (double) bytes / pings);
                }
            }
            System.out.printf(Locale.ROOT, "| total, all threads | %.1f |%n", (double) total / pings);
            System.out.printf(Locale.ROOT, "%n%d pings %s, %d measured; %s%n", pings,
                    intervalMs == 0 ? "back to back" : "every " + intervalMs + " ms", measured, probeA.getCounters());
        }
    }

    /** Sends {@code count} pings one after the other; returns how many measured. */
    private static int ping(DataChannelProbe probe, int count, long intervalMs) throws Exception {
        int measured = 0;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            CompletableFuture<RttReading> read = probe.read().toCompletableFuture();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!read.isDone()) { // get() would allocate a waiter on this thread
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException("no reading within 5 s");
                }
                LockSupport.parkNanos(20_000);
            }
            if (read.join() instanceof RttReading.Measured) {
                measured++;
            }
            if (intervalMs > 0) {
                next += TimeUnit.MILLISECONDS.toNanos(intervalMs);
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
        }
        return measured;
    }
}
