import com.sun.management.OperatingSystemMXBean;
import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * CPU per journal line: {@code sessions} sessions polled at 1 Hz by the shared scheduler (a synthetic source that
 * answers at once), journals on or off, for {@code measureSeconds} after {@code warmupSeconds}. Prints the process's
 * CPU time (all threads, exited ones too: {@code getProcessCpuTime}) per poll, and the CPU of the threads alive at
 * both ends by name ({@code /proc/self/task/N/schedstat}, ns on a CPU). A poll is one journal line.
 *
 * <p>Run with the single-file launcher against one build's jars: {@code benchmarks/journal-cost/run}.
 *
 * <p>Arguments: {@code on|off|linger-N sessions warmupSeconds measureSeconds directory}; {@code linger-N}: journals
 * on, their writers run by one shared thread that wakes at most every N ms and then runs every journal's writer
 * that has lines (a proposal: one wake-up for the lines of many journals), given through the journal's
 * {@code IoExecutor} test hook.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
public final class JournalCostRun {

    public static void main(String[] args) throws Exception {
        boolean journal = !args[0].equals("off");
        Object linger = args[0].startsWith("linger-") ? lingering(Long.parseLong(args[0].substring(7))) : null;
        int sessions = Integer.parseInt(args[1]);
        long warmup = Long.parseLong(args[2]);
        long measure = Long.parseLong(args[3]);
        Path dir = Files.createDirectories(Path.of(args[4]));
        AtomicLong polls = new AtomicLong();
        List<GameSession> open = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            GameSession.Builder builder = GameSession.builder("cost-" + i).playerId("p1")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofSeconds(1)).build())
                    .exporterProviders(List.of());
            if (linger != null) {
                builder.exportAttribute((Class) linger.getClass().getInterfaces()[0], linger);
            }
            GameSession session = journal ? builder.journalDirectory(dir).build() : builder.journal(false).build();
            session.onDataChannelOpen(() -> {
                polls.incrementAndGet();
                return CompletableFuture.completedStage(
                        RttReading.measured(ThreadLocalRandom.current().nextDouble(20, 200)));
            });
            open.add(session);
            Thread.sleep(1000L / sessions + 1); // spread over the second, as real sessions are
        }
        Thread.sleep(warmup * 1000);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        java.util.Map<String, Long> tasksBefore = tasks();
        long cpu0 = os.getProcessCpuTime();
        long polls0 = polls.get();
        long t0 = System.nanoTime();
        Thread.sleep(measure * 1000);
        long cpu1 = os.getProcessCpuTime();
        long polls1 = polls.get();
        long t1 = System.nanoTime();
        java.util.Map<String, Long> tasksAfter = tasks();
        long n = polls1 - polls0;
        System.out.printf("journal %s: %d sessions, %d polls in %.1f s, process CPU %.1f ms = %.2f us per poll"
                        + " (%.2f %% of one core)%n", args[0], sessions, n, (t1 - t0) / 1e9, (cpu1 - cpu0) / 1e6,
                (cpu1 - cpu0) / 1e3 / n, 100.0 * (cpu1 - cpu0) / (t1 - t0));
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        tasksAfter.forEach((task, after) -> {
            String[] idName = task.split(" ", 2);
            Long before = tasksBefore.get(task);
            long used = after - (before == null ? 0 : before);
            byName.merge(idName[1].replaceAll("[0-9]+", "N"), used, Long::sum);
        });
        long all = byName.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("  %-24s %8.1f ms  %6.2f us per poll%n", "(threads alive at both ends)", all / 1e6,
                all / 1e3 / n);
        byName.entrySet().stream().filter(e -> e.getValue() > 1_000_000)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> System.out.printf("  %-24s %8.1f ms  %6.2f us per poll%n", e.getKey(), e.getValue() / 1e6,
                        e.getValue() / 1e3 / n));
        for (GameSession session : open) {
            session.close();
        }
        long failures = open.stream().mapToLong(GameSession::journalFailureCount).sum();
        System.out.println("  journal failures: " + failures);
    }

    /** A {@code JournalWriter.IoExecutor} (reached by reflection: not exported) whose tasks wait up to {@code ms}. */
    private static Object lingering(long ms) throws Exception {
        Class<?> type = Class.forName("io.peerpulse.session.journal.internal.JournalWriter$IoExecutor");
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "peerpulse-journal-linger");
                    t.setDaemon(true);
                    return t;
                });
        java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable flush = () -> {
            scheduled.set(false);
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                task.run();
            }
        };
        return java.lang.reflect.Proxy.newProxyInstance(JournalCostRun.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, margs) -> {
                    if (!method.getName().equals("execute")) {
                        return method.getName().equals("hashCode") ? System.identityHashCode(proxy)
                                : method.getName().equals("equals") ? proxy == margs[0] : "linger " + ms + " ms";
                    }
                    tasks.add((Runnable) margs[0]);
                    if (scheduled.compareAndSet(false, true)) {
                        timer.schedule(flush, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                    return null;
                });
    }

    /** {@code "<tid> <comm>"} to ns on a CPU, of every thread alive now. */
    private static java.util.Map<String, Long> tasks() throws IOException {
        java.util.Map<String, Long> cpu = new java.util.HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    long ns = Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
                    cpu.put(task.getFileName() + " " + comm, ns);
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return cpu;
    }
}
