package io.peerpulse.webrtc.internal;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The one daemon thread that every probe of the JVM shares unless given a scheduler: it answers
 * pings, matches pongs and runs ping timeouts, each a few microseconds (but an answer's send, a blocking call into
 * webrtc-java: 10 to 39 ms measured under load), so that webrtc-java's native callback thread only copies the
 * message and returns.
 *
 * <p>While wake-ups that find work come faster than one per {@link #TICK_NANOS} (10 ms) the thread ticks: it wakes
 * by itself every 10 ms, {@link #executeBatched} then queues without waking it (the probe's pongs; the pings to
 * send and the stats requests on the two other loops of this kind, {@link #sender()} and {@link #stats()}), and
 * {@link #execute} wakes it still (the peer's pings, whose hold time the peer subtracts; a state change; a stats
 * report). A tick that finds nothing ends the ticking.
 *
 * <p>Unlike a {@code ScheduledThreadPoolExecutor} it allocates nothing per task: tasks wait in a ring
 * of references, timers in a binary heap of two arrays, and the thread waits with
 * {@link LockSupport#park}. Both only grow (doubling) when more are pending than ever before. A task
 * that throws is reported to the thread's uncaught-exception handler and the loop goes on, one that leaves the
 * thread interrupted has the flag cleared before the next task, and one that sets another context class loader has
 * PeerPulse's set back after it: one probe's fault never stops the others'.
 */
public final class ProbeLoop implements ProbeExecutor {

    /** PeerPulse's class loader: the context loader of every loop's thread, set back after each task. */
    private static final ClassLoader OURS = ProbeLoop.class.getClassLoader();
    private static final ProbeLoop SHARED = new ProbeLoop("peerpulse-probe");

    /**
     * The loop's tick while tasks come faster than one per tick: 10 ms, the longest a task given to
     * {@link #executeBatched} waits for the thread to wake (it waits for the tasks queued before it in any case: an
     * answer's send, 10 to 39 ms measured under load). A ping's round trip starts when it is sent (t1 is read then)
     * and ends when its pong arrives (read in webrtc-java's callback), so neither waiting moves a measurement; only
     * the reading completes up to a tick later at each (the sending loop's and the probe loop's).
     */
    public static final long TICK_NANOS = 10_000_000;

    private final Thread thread;
    /** Tasks to run, from {@code head}; a power-of-two ring. Guarded by this. */
    private Runnable[] tasks = new Runnable[64];
    private int head;
    private int taskCount;
    /** A min-heap of timers by due time ({@code System.nanoTime}). Guarded by this. */
    private long[] timerDue = new long[16];
    private Runnable[] timerTask = new Runnable[16];
    private int timerCount;
    /** Whether the thread is parked, or about to: a producer then unparks it. Guarded by this. */
    private boolean parked;
    /**
     * Whether the thread wakes by itself at the next tick, so that {@link #executeBatched} need not wake it: while
     * wake-ups that find tasks come faster than one per tick. Guarded by this.
     */
    private boolean ticking;

    /**
     * Starts a loop on a new daemon thread; it runs until the JVM exits.
     *
     * @param name the thread's name
     */
    ProbeLoop(String name) {
        // no inherited thread locals of the thread that made it (a match's, on a game server): kept for good here
        thread = new Thread(null, this::run, name, 0, false);
        thread.setDaemon(true);
        // not the context loader of the thread that made it (another web app's, say): it would keep that alive
        thread.setContextClassLoader(OURS);
        thread.start();
    }

    /** @return the loop every probe shares by default */
    public static ProbeLoop shared() {
        return SHARED;
    }

    /**
     * @return the loop that sends every probe's pings by default ({@code peerpulse-probe-send}), made on first
     *         use: a send is a blocking call into webrtc-java, which must hold neither a reader's thread nor the
     *         loop that answers the peer's pings
     */
    public static ProbeLoop sender() {
        return Sender.LOOP;
    }

    private static final class Sender {
        static final ProbeLoop LOOP = new ProbeLoop("peerpulse-probe-send");
    }

    /**
     * @return the JVM's one loop that asks libwebrtc for the ICE source's stats ({@code peerpulse-webrtc-stats}),
     *         made on first use. A call into a peer connection ({@code getStats(callback)},
     *         {@code getConnectionState()}) is a blocking call: webrtc-java's JNI calls
     *         {@code PeerConnectionInterface::GetStats} on the calling thread, and libwebrtc's peer-connection proxy
     *         marshals it synchronously onto the signalling thread (microseconds on an idle machine, hundreds of ms
     *         measured on a loaded one), so a reader only queues it here with {@link #executeBatched} (taken at the
     *         ticks while hundreds of connections ask); the stats callback, on libwebrtc's signalling thread, queues
     *         the report's interpretation with {@link #execute}, which completes the read. A call held up by one
     *         factory's busy signalling thread delays the calls queued behind it, never a reader.
     */
    public static ProbeLoop stats() {
        return Stats.LOOP;
    }

    private static final class Stats {
        static final ProbeLoop LOOP = new ProbeLoop("peerpulse-webrtc-stats");
    }

    /** @return the loop's thread */
    public Thread thread() {
        return thread;
    }

    /** Queues {@code task} and wakes the thread if it waits: for work that must not wait for the next tick. */
    @Override
    public void execute(Runnable task) {
        enqueue(task, true);
    }

    /**
     * Queues {@code task} without waking the thread while it ticks (it takes the task at the next tick, within
     * {@link #TICK_NANOS}, or at once when another task or a timer wakes it first); otherwise as {@link #execute}.
     * So a producer that hands off hundreds of tasks a second (a telemetry's polling thread, webrtc-java's callback
     * thread) does not pay for a wake-up each (a context switch, on a saturated machine often a preemption of the
     * waker), and the loop takes them in one wake-up.
     */
    @Override
    public void executeBatched(Runnable task) {
        enqueue(task, false);
    }

    private void enqueue(Runnable task, boolean now) {
        Objects.requireNonNull(task, "task");
        boolean wake;
        synchronized (this) {
            if (taskCount == tasks.length) {
                Runnable[] larger = new Runnable[tasks.length * 2];
                for (int i = 0; i < taskCount; i++) {
                    larger[i] = tasks[(head + i) & (tasks.length - 1)];
                }
                tasks = larger;
                head = 0;
            }
            tasks[(head + taskCount) & (tasks.length - 1)] = task;
            taskCount++;
            wake = parked && (now || !ticking);
            if (wake) {
                parked = false;
            }
        }
        if (wake) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
        Objects.requireNonNull(task, "task");
        long due = System.nanoTime() + Math.max(0, delayNanos);
        boolean wake;
        synchronized (this) {
            if (timerCount == timerDue.length) {
                timerDue = Arrays.copyOf(timerDue, timerCount * 2);
                timerTask = Arrays.copyOf(timerTask, timerCount * 2);
            }
            int i = timerCount++;
            while (i > 0 && due - timerDue[(i - 1) / 2] < 0) { // sift up
                int parent = (i - 1) / 2;
                timerDue[i] = timerDue[parent];
                timerTask[i] = timerTask[parent];
                i = parent;
            }
            timerDue[i] = due;
            timerTask[i] = task;
            // a parked thread waits for the earliest timer (or its tick): wake it only when this one is earlier
            wake = parked && i == 0 && !(ticking && due - System.nanoTime() >= TICK_NANOS);
            if (wake) {
                parked = false;
            }
        }
        if (wake) {
            LockSupport.unpark(thread);
        }
    }

    /** @return {@code false}: the loop runs until the JVM exits */
    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public String toString() {
        return "ProbeLoop[" + thread.getName() + "]";
    }

    private void run() {
        boolean waited = false; // whether the thread just came back from waiting
        long lastWakeWithTask = Long.MIN_VALUE / 2;
        while (true) {
            Runnable task;
            long waitNanos = 0;
            // Nothing here waits interruptibly, so an interrupt is only ever a task's leftover (a reading's dependent,
            // run here by complete, that restores the flag after an InterruptedException): cleared, or it would reach
            // the next probe's task, and LockSupport.park would return at once while it is set (a core spinning for
            // the life of the JVM). As ThreadPoolExecutor's workers do between tasks.
            Thread.interrupted();
            synchronized (this) {
                parked = false;
                long now = System.nanoTime();
                task = next(now);
                if (waited) {
                    if (task == null) {
                        ticking = false; // a tick, or a wake-up, that found nothing: wait to be woken again
                    } else {
                        // tasks come faster than one per tick: take them at the ticks from now on, as long as the
                        // ticks find some
                        ticking = ticking || now - lastWakeWithTask < TICK_NANOS;
                        lastWakeWithTask = now;
                    }
                }
                if (task == null) {
                    parked = true;
                    waitNanos = timerCount == 0 ? 0 : Math.max(1, timerDue[0] - now);
                    if (ticking) {
                        waitNanos = waitNanos == 0 ? TICK_NANOS : Math.min(waitNanos, TICK_NANOS);
                    }
                }
            }
            waited = task == null;
            if (task != null) {
                runReporting(task);
            } else if (waitNanos == 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, waitNanos);
            }
        }
    }

    /** The earliest due timer, else the oldest task, else {@code null}; under the monitor. */
    private @Nullable Runnable next(long now) {
        if (timerCount > 0 && timerDue[0] - now <= 0) {
            return popTimer();
        }
        if (taskCount > 0) {
            Runnable task = tasks[head];
            tasks[head] = null;
            head = (head + 1) & (tasks.length - 1);
            taskCount--;
            return task;
        }
        return null;
    }

    private Runnable popTimer() {
        Runnable first = timerTask[0];
        int last = --timerCount;
        long due = timerDue[last];
        Runnable task = timerTask[last];
        timerTask[last] = null;
        int i = 0;
        while (true) { // sift the last timer down from the root
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && timerDue[child + 1] - timerDue[child] < 0) {
                child++;
            }
            if (due - timerDue[child] <= 0) {
                break;
            }
            timerDue[i] = timerDue[child];
            timerTask[i] = timerTask[child];
            i = child;
        }
        if (last > 0) {
            timerDue[i] = due;
            timerTask[i] = task;
        }
        return first;
    }

    private void runReporting(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            try {
                thread.getUncaughtExceptionHandler().uncaughtException(thread, t);
            } catch (Throwable ignored) {
                // a failing handler must not end the loop either
            }
        }
        // a task that set another context loader and left it (a reading's dependent of another web app): the next
        // probe's task gets ours again, and the thread keeps no foreign loader alive for the life of the JVM
        if (thread.getContextClassLoader() != OURS) {
            thread.setContextClassLoader(OURS);
        }
    }
}
