package io.peerpulse.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The CPU time of this JVM's threads on Linux, summed by thread name with digits dropped, each name in a
 * {@link Group}. Java threads named {@code peerpulse-…} or {@code pairs-…} are read by their full name from
 * {@link ThreadMXBean#getThreadCpuTime(long)}; every other thread from {@code /proc/self/task/*}: its
 * {@code comm} (the name the kernel knows, cut to 15 characters: webrtc's native threads, the JVM's own, and
 * Java threads of other names) and the first field of its {@code schedstat} (nanoseconds on a CPU, exact,
 * unlike the tick-sampled {@code stat}). The two sets do not overlap: a Java thread's {@code comm} is its name
 * cut short, so one named {@code peerpulse-…} is skipped in {@code /proc}. Threads that end between two
 * snapshots are lost, so nothing starts or ends threads while measuring.
 */
final class ThreadCpu {

    /** What a thread belongs to. */
    enum Group {
        /** The lab's relays: {@code peerpulse-relay-receiver-N} and {@code peerpulse-relay-sender-N}. */
        RELAY,
        /** The lab's thread per pair, {@code peerpulse-webrtc-N}: signalling, and B's answer to a raw echo. */
        LAB_PEERS,
        /** webrtc-java's native threads: every thread not started by Java nor the JVM's own. */
        WEBRTC,
        /** PeerPulse's threads: every other {@code peerpulse-…} (probe, telemetry, ICE stats, session). */
        PEERPULSE,
        /** The JVM's own threads: GC, JIT compilers, VM operations, reference handling. */
        JVM,
        /** The measuring program: {@code main} (its {@code comm} is {@code java}) and {@code pairs-…}. */
        HARNESS
    }

    private static final Path TASKS = Path.of("/proc/self/task");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    /** {@code comm} of the JVM's own threads (HotSpot 17), digits dropped. */
    private static final Pattern JVM_THREADS = Pattern.compile("VM .*|GC Thread.*|GN .*|CN Compiler.*|Sweeper.*"
            + "|Service Thread|Monitor Deflat.*|Reference Hand.*|Finalizer|Signal Dispat.*|Common-Cleaner"
            + "|Notification T.*|Attach Listene.*|Cleaner-.*|CompletableFut.*");

    private ThreadCpu() {
    }

    /** @throws IllegalStateException when this is not Linux (no {@code /proc/self/task}) */
    static void requireLinux() {
        if (!Files.isDirectory(TASKS)) {
            throw new IllegalStateException("the pairs scale run reads /proc/self/task/*: Linux only");
        }
    }

    /**
     * @param name a thread's name (digits dropped) or {@code comm}
     * @return its group
     */
    static Group groupOf(String name) {
        if (name.startsWith("peerpulse-relay-")) {
            return Group.RELAY;
        }
        if (name.equals("peerpulse-webrtc-N")) {
            return Group.LAB_PEERS;
        }
        if (name.startsWith("pairs-") || name.equals("main") || name.equals("java")) {
            return Group.HARNESS;
        }
        if (name.startsWith("peerpulse-")) {
            return Group.PEERPULSE;
        }
        return JVM_THREADS.matcher(name).matches() ? Group.JVM : Group.WEBRTC;
    }

    /** @return CPU nanoseconds so far of each thread name (digits dropped) */
    static Map<String, Long> snapshot() {
        Map<String, Long> names = new TreeMap<>();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (ThreadInfo info : mx.dumpAllThreads(false, false)) {
            String name = info.getThreadName();
            if (isJavaNamed(name)) {
                long cpu = mx.getThreadCpuTime(info.getThreadId());
                if (cpu > 0) {
                    names.merge(DIGITS.matcher(name).replaceAll("N"), cpu, Long::sum);
                }
            }
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (isJavaNamed(comm)) {
                        continue;
                    }
                    String[] fields = Files.readString(task.resolve("schedstat")).strip().split("\\s+");
                    names.merge(DIGITS.matcher(comm).replaceAll("N"), Long.parseLong(fields[0]), Long::sum);
                } catch (IOException ended) {
                    // the thread ended while listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** @return the number of threads of this process, native ones included */
    static int threadCount() {
        try (Stream<Path> tasks = Files.list(TASKS)) {
            return (int) tasks.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return each name's CPU nanoseconds from {@code earlier} to {@code later} */
    static Map<String, Long> difference(Map<String, Long> later, Map<String, Long> earlier) {
        Map<String, Long> d = new TreeMap<>();
        later.forEach((name, nanos) -> d.put(name, nanos - earlier.getOrDefault(name, 0L)));
        return d;
    }

    /**
     * A thread's (or a group's) use of the CPU: schedstat's time on a CPU and its number of time slices (each
     * slice a wake-up or a preemption).
     *
     * @param cpuNanos time on a CPU, ns
     * @param slices   time slices run
     */
    record Use(long cpuNanos, long slices) {
        static final Use NONE = new Use(0, 0);

        Use plus(Use other) {
            return new Use(cpuNanos + other.cpuNanos, slices + other.slices);
        }

        Use minus(Use other) {
            return new Use(cpuNanos - other.cpuNanos, slices - other.slices);
        }
    }

    /**
     * @return each kernel thread name's use so far, digits folded to {@code N}, summed (the kernel cuts names to
     *         15 characters: {@code peerpulse-probe} holds the probe thread and the sending one); threads that
     *         ended are lost
     */
    static Map<String, Use> useByKernelName() {
        Map<String, Use> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = DIGITS.matcher(Files.readString(task.resolve("comm")).strip()).replaceAll("N");
                    String[] fields = Files.readString(task.resolve("schedstat")).strip().split("\\s+");
                    groups.merge(name, new Use(Long.parseLong(fields[0]), Long.parseLong(fields[2])), Use::plus);
                } catch (IOException ended) {
                    // the thread ended while listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return groups;
    }

    /** @return each name's use from {@code earlier} to {@code later} */
    static Map<String, Use> useDifference(Map<String, Use> later, Map<String, Use> earlier) {
        Map<String, Use> d = new TreeMap<>();
        later.forEach((name, use) -> d.put(name, use.minus(earlier.getOrDefault(name, Use.NONE))));
        return d;
    }

    private static boolean isJavaNamed(String name) {
        return name.startsWith("peerpulse-") || name.startsWith("pairs-");
    }
}
