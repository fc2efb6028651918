package io.peerpulse.integration;

import io.peerpulse.session.GameSession;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Child-JVM main of {@link JournalKillTest}: a session polling a synthetic source every millisecond on
 * the real shared scheduler, journaling into {@code args[0]}, until the test kills it with SIGKILL. It
 * prints {@link #STARTED} with the journal's path, then {@link #POLLED} once the source has been asked for
 * {@code args[1]} readings: the events the test waits for. An optional {@code args[2]} makes its disk slow: each
 * journal write after the header is held that many microseconds (a disk that does not keep up), or, when
 * {@code stuck}, every write after the 50th never returns (a frozen file system); through the journal's
 * {@code SinkWrapper} test hook, reached by reflection (its package is not exported to this module).
 */
final class JournalKillChild {

    static final String STARTED = "journal: ";
    static final String POLLED = "polled: ";

    private JournalKillChild() {
    }

    public static void main(String[] args) throws Exception {
        GameSession.Builder builder = GameSession.builder("kill-" + ProcessHandle.current().pid())
                .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(1)).maxSampleCount(1_000_000)
                        .build())
                .exporterProviders(java.util.List.of())
                .journalDirectory(Path.of(args[0]));
        if (args.length > 2) {
            slowDisk(builder, args[2]);
        }
        GameSession session = builder.build();
        System.out.println(STARTED + session.journalPath().orElseThrow());
        System.out.flush();
        long polls = Long.parseLong(args[1]);
        AtomicLong reads = new AtomicLong();
        session.beginRound(1);
        // arbitrary bits, answered at once or a little later on another thread: both paths record
        session.onDataChannelOpen(() -> {
            if (reads.incrementAndGet() == polls) {
                System.out.println(POLLED + polls);
                System.out.flush();
            }
            return ThreadLocalRandom.current().nextBoolean()
                    ? CompletableFuture.completedStage(RttReading.measured(ThreadLocalRandom.current().nextDouble(1, 300)))
                    : CompletableFuture.supplyAsync(() -> RttReading.measured(ThreadLocalRandom.current().nextDouble()));
        });
        Thread.currentThread().join(); // until killed
    }

    /**
     * Gives the session's journal a sink whose writes after the header are slow ({@code micros}) or stuck, or
     * ({@code full}) whose writes after the 50th wait for the JVM's exit, then fail as on a full disk.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void slowDisk(GameSession.Builder builder, String how) throws Exception {
        Class wrapperType = Class.forName("io.peerpulse.session.journal.internal.JournalWriter$SinkWrapper");
        Class sinkType = Class.forName("io.peerpulse.session.journal.internal.JournalWriter$Sink");
        boolean stuck = how.equals("stuck");
        boolean full = how.equals("full");
        CountDownLatch exiting = new CountDownLatch(1);
        if (full) { // the disk fills up as the JVM exits: writes after the 50th wait for the exit, then fail
            Runtime.getRuntime().addShutdownHook(new Thread(exiting::countDown, "disk-full-at-exit"));
        }
        long nanos = stuck || full ? 0 : Long.parseLong(how) * 1_000;
        AtomicLong writes = new AtomicLong();
        Object wrapper = Proxy.newProxyInstance(JournalKillChild.class.getClassLoader(), new Class<?>[] {wrapperType},
                (proxy, method, margs) -> {
                    switch (method.getName()) {
                        case "apply":
                            break;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == margs[0];
                        case "toString":
                            return "a slow disk (" + how + ")";
                        default:
                            throw new UnsupportedOperationException(method.toString());
                    }
                    Object real = margs[0];
                    return Proxy.newProxyInstance(JournalKillChild.class.getClassLoader(), new Class<?>[] {sinkType},
                            (sink, call, cargs) -> {
                                if (call.getName().equals("write") && writes.incrementAndGet() > 1) {
                                    if (stuck && writes.get() > 50) {
                                        new CountDownLatch(1).await(); // never returns: killed here
                                    }
                                    if (full && writes.get() > 50) {
                                        exiting.await();
                                        throw new java.io.IOException("No space left on device");
                                    }
                                    LockSupport.parkNanos(nanos); // the slow disk itself, not a wait for an event
                                }
                                try {
                                    return call.invoke(real, cargs);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                });
        builder.exportAttribute(wrapperType, wrapper);
    }
}
