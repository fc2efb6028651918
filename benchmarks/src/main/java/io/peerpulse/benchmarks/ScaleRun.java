package io.peerpulse.benchmarks;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many telemetries at 1 Hz on the one shared scheduler with a synthetic source: CPU of the scheduler
 * thread and of the process, scheduling lateness of the polls, and heap per telemetry after GC. Every
 * telemetry polls at the ticks of a random one of the 64 slots a second of a grid with a random phase, as
 * the default poll grid does (drawn here, through {@code firstPollDelay}, so that each source knows its
 * schedule), so the shared scheduler wakes at most 64 times a second for all of them.
 * Not JMH: it measures a steady state over wall-clock seconds.
 */
public final class ScaleRun {

    private ScaleRun() {
    }

    /**
     * A source answering at once and noting how late each read came against its fixed-rate schedule: the
     * ticks of its slot of the run's poll grid, the slot drawn as the default draws it.
     */
    private static final class SyntheticSource implements RttSource {
        private final CompletionStage<RttReading> answer;
        private final long[] lateness;
        private final AtomicInteger recorded;
        private final long periodNanos;
        private final long measureFromNanos;
        private long firstDueNanos;
        private long reads;

        SyntheticSource(double rtt, long[] lateness, AtomicInteger recorded, long periodNanos, long measureFromNanos) {
            this.answer = CompletableFuture.completedFuture(RttReading.measured(rtt));
            this.lateness = lateness;
            this.recorded = recorded;
            this.periodNanos = periodNanos;
            this.measureFromNanos = measureFromNanos;
        }

        @Override
        public CompletionStage<RttReading> read() {
            long now = System.nanoTime();
            long late = now - (firstDueNanos + reads++ * periodNanos);
            if (now >= measureFromNanos) {
                int i = recorded.getAndIncrement();
                if (i < lateness.length) {
                    lateness[i] = late;
                }
            }
            return answer;
        }
    }

    /**
     * Runs the scale test.
     *
     * @param args telemetry counts (default 1000 10000), {@code --seconds N} measured (default 30),
     *             {@code --warmup N} seconds before measuring (default 5)
     * @throws Exception on interruption
     */
    public static void main(String[] args) throws Exception {
        List<Integer> counts = new ArrayList<>();
        int seconds = 30;
        int warmUp = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds")) {
                seconds = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--warmup")) {
                warmUp = Integer.parseInt(args[++i]);
            } else {
                counts.add(Integer.parseInt(args[i]));
            }
        }
        if (counts.isEmpty()) {
            counts = List.of(1_000, 10_000);
        }
        System.out.println("| telemetries | scheduler thread CPU % of one core | process CPU % of one core "
                + "| lateness median ms | p99 ms | max ms | heap per telemetry after GC (bytes) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        for (int count : counts) {
            run(count, seconds, warmUp);
        }
    }

    /** Slots a second of the grid, as many as the default poll grid has. */
    private static final int SLOTS = 64;

    private static void run(int count, int seconds, int warmUpSeconds) throws Exception {
        long period = TimeUnit.SECONDS.toNanos(1);
        // the grid's origin, a tick of slot 0: drawn once, as the default grid's is once per JVM
        long origin = System.nanoTime() + ThreadLocalRandom.current().nextLong(period);
        long heapBefore = usedHeapAfterGc();
        long warmUpNanos = TimeUnit.SECONDS.toNanos(warmUpSeconds);
        long measureFrom = System.nanoTime() + warmUpNanos;
        long[] lateness = new long[count * (seconds + 2)];
        AtomicInteger recorded = new AtomicInteger();
        List<LatencyTelemetry> telemetries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SyntheticSource source = new SyntheticSource(20 + i % 100, lateness, recorded, period, measureFrom);
            // what the default does (the next tick of a random slot of a grid), drawn here so that the source
            // knows its schedule
            long now = System.nanoTime();
            int slot = ThreadLocalRandom.current().nextInt(SLOTS);
            long delay = Math.floorMod(origin + period * slot / SLOTS - now, period);
            source.firstDueNanos = now + delay;
            LatencyTelemetry telemetry = new LatencyTelemetry(source,
                    TelemetryOptions.builder().firstPollDelay(Duration.ofNanos(delay)).build());
            telemetries.add(telemetry);
            telemetry.start();
        }
        TimeUnit.NANOSECONDS.sleep(Math.max(0, measureFrom - System.nanoTime()));

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long schedulerThread = schedulerThreadId(threads);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long wallStart = System.nanoTime();
        long schedulerCpuStart = threads.getThreadCpuTime(schedulerThread);
        long processCpuStart = os.getProcessCpuTime();
        TimeUnit.SECONDS.sleep(seconds);
        long wall = System.nanoTime() - wallStart;
        double schedulerCpu = 100.0 * (threads.getThreadCpuTime(schedulerThread) - schedulerCpuStart) / wall;
        double processCpu = 100.0 * (os.getProcessCpuTime() - processCpuStart) / wall;
        int n = Math.min(recorded.get(), lateness.length);
        long heapWith = usedHeapAfterGc();
        telemetries.forEach(LatencyTelemetry::close);

        long[] sorted = Arrays.copyOf(lateness, n);
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.3f | %.3f | %.3f | %d |%n", count, schedulerCpu, processCpu,
                ms(sorted[n / 2]), ms(sorted[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)]), ms(sorted[n - 1]),
                (heapWith - heapBefore) / count);
        if (telemetries.stream().anyMatch(t -> t.getCounters().measuredCount() < seconds)) {
            System.out.println("warning: a telemetry polled fewer times than expected");
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long schedulerThreadId(ThreadMXBean threads) {
        for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
            if (info.getThreadName().startsWith("peerpulse-telemetry")) {
                return info.getThreadId();
            }
        }
        throw new IllegalStateException("no peerpulse-telemetry thread");
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
