package io.peerpulse.integration;

import io.peerpulse.session.GameSession;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM main of {@link JournalExitTest}. {@code args}: the journal directory, what to do, how many rounds, and
 * the disk ({@code healthy}, microseconds per write, {@code stuck} or {@code full}: {@link JournalKillChild#slowDisk}),
 * then the exporter timeout in ms.
 *
 * <ul>
 *   <li>{@code exit}: a session with a journal applies a burst of {@code 2 × rounds} events (a round begun and
 *       ended), prints {@link #APPLIED}, and calls {@code System.exit(0)} at once, the session not closed;
 *   <li>{@code signal}: the same, but after {@link #APPLIED} it waits for the test's SIGTERM;
 *   <li>{@code return}: the same, but it returns from {@code main};
 *   <li>{@code hooks}: opens and closes journals, two at a time, and prints {@link #HOOKS} with the number of
 *       PeerPulse's shutdown hooks (threads named {@code peerpulse-…}; the JDK's logging has one of its own)
 *       before, while they are open, and after (read from {@code ApplicationShutdownHooks}, opened to this class
 *       path by {@code --add-opens java.base/java.lang=ALL-UNNAMED}).
 * </ul>
 */
final class JournalExitChild {

    static final String STARTED = "journal: ";
    static final String APPLIED = "applied: ";
    static final String HOOKS = "hooks: ";

    private JournalExitChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String what = args[1];
        int rounds = Integer.parseInt(args[2]);
        String disk = args[3];
        Duration timeout = Duration.ofMillis(Long.parseLong(args[4]));
        if (what.equals("hooks")) {
            int before = shutdownHooks();
            int open = -1;
            for (int i = 0; i < rounds; i++) {
                try (GameSession first = session(dir, "hooks-a-" + i, disk, timeout);
                     GameSession second = session(dir, "hooks-b-" + i, disk, timeout)) {
                    first.beginRound(1);
                    second.beginRound(1);
                    open = Math.max(open, shutdownHooks());
                }
            }
            System.out.println(HOOKS + before + " " + open + " " + shutdownHooks());
            return;
        }
        GameSession session = session(dir, "exit-" + ProcessHandle.current().pid(), disk, timeout);
        System.out.println(STARTED + session.journalPath().orElseThrow());
        for (int round = 1; round <= rounds; round++) {
            session.beginRound(round);
            session.endRound();
        }
        System.out.println(APPLIED + 2 * rounds);
        System.out.flush();
        if (what.equals("exit")) {
            System.exit(0);
        } else if (what.equals("signal")) {
            Thread.currentThread().join(); // until the test's SIGTERM
        } // else the end of main: only daemon threads are left

    }

    private static GameSession session(Path dir, String id, String disk, Duration timeout) throws Exception {
        GameSession.Builder builder = GameSession.builder(id).exporterProviders(List.of()).journalDirectory(dir)
                .exporterTimeout(timeout);
        if (!disk.equals("healthy")) {
            JournalKillChild.slowDisk(builder, disk);
        }
        return builder.build();
    }

    /** PeerPulse's shutdown hooks registered now. */
    private static int shutdownHooks() throws Exception {
        Field hooks = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
        hooks.setAccessible(true);
        synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
            return (int) ((Map<?, ?>) hooks.get(null)).keySet().stream()
                    .filter(hook -> ((Thread) hook).getName().startsWith("peerpulse-")).count();
        }
    }
}
