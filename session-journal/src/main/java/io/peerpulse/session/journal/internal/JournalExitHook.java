package io.peerpulse.session.journal.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The JVM's one shutdown hook for the open journals ({@code peerpulse-journal-exit}). Journal writers run on daemon
 * threads, which the JVM does not wait for: while a journal is open (from its creation until its file is closed),
 * the hook waits, when the JVM exits ({@code System.exit}, the end of {@code main}, SIGTERM or SIGINT) without the
 * session closed, until each open journal's writer has written (and, with {@code fsync}, forced) the lines queued
 * when the hook started, at most that journal's exit timeout counted from then (so the exit waits at most the
 * longest of them); it never takes a session's lock. The hook is removed when no journal is open, so that it keeps
 * no class loader of a redeployed web app reachable; a journal that is never closed is held only weakly, and keeps
 * the hook until the next journal is closed after it was collected.
 */
final class JournalExitHook {

    /** Guards {@link #OPEN} and {@link #hook}. */
    private static final Object LOCK = new Object();
    /** The journals whose file is not closed yet: those the hook waits for. */
    private static final Set<JournalWriter> OPEN = Collections.newSetFromMap(new WeakHashMap<>());
    private static @Nullable Thread hook;

    private JournalExitHook() {
    }

    /** Counts {@code writer} among the open journals, and registers the hook when it is the first. */
    static void opened(JournalWriter writer) {
        synchronized (LOCK) {
            OPEN.add(writer);
            if (hook == null) {
                // no inherited thread locals: the hook keeps nothing of the thread that opened the first journal
                Thread added = new Thread(null, JournalExitHook::run, "peerpulse-journal-exit", 0, false);
                added.setContextClassLoader(JournalExitHook.class.getClassLoader());
                try {
                    Runtime.getRuntime().addShutdownHook(added);
                    hook = added;
                } catch (IllegalStateException | SecurityException e) {
                    // the JVM is exiting already (or may not be hooked): the journal works without the hook
                }
            }
        }
    }

    /** {@code writer}'s file is closed: removes the hook when no journal is open any more. */
    static void closed(JournalWriter writer) {
        synchronized (LOCK) {
            OPEN.remove(writer);
            if (OPEN.isEmpty() && hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hooks run already: the hook finds this journal closed
                } catch (SecurityException e) {
                    // kept: it finds no journal open
                }
                hook = null;
            }
        }
    }

    /** The hook: waits for each open journal's queued lines, at most its exit timeout from now. */
    static void run() {
        List<JournalWriter> open;
        synchronized (LOCK) {
            open = new ArrayList<>(OPEN);
        }
        long start = System.nanoTime();
        for (JournalWriter writer : open) {
            writer.awaitQueuedWritten(start + writer.exitTimeout().toNanos());
        }
    }
}
