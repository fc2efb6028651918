package io.peerpulse.webrtc.internal;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The one daemon thread of the JVM, {@code peerpulse-webrtc-stats}, that asks libwebrtc for the ICE source's stats
 * and interprets them, so that neither a reader's thread nor webrtc-java's native thread waits or wakes anyone.
 *
 * <ul>
 *   <li>{@link #request}: a call into a peer connection ({@code getStats(callback)}, {@code getConnectionState()})
 *       is a blocking call: webrtc-java's JNI calls {@code PeerConnectionInterface::GetStats} on the calling
 *       thread, and libwebrtc's peer-connection proxy marshals it synchronously onto the signalling thread
 *       (microseconds on an idle machine, hundreds of ms measured on a loaded one). The reader only queues the
 *       call, lock-free: while calls come faster than one per {@link #TICK_NANOS 10 ms} tick (hundreds of
 *       connections), the thread wakes at its ticks by itself and takes them all, and a reader wakes nobody; slower,
 *       the thread sleeps until a reader's call wakes it (a wake-up every few seconds per connection).</li>
 *   <li>{@link #deliver}: a stats callback arrives on libwebrtc's signalling thread, which also runs every other
 *       callback of every connection of its factory: it only queues the report here and wakes this thread, which
 *       interprets it (microseconds) and completes the read.</li>
 * </ul>
 * One thread for all: a call held up by one factory's busy signalling thread delays the calls queued behind it,
 * never a reader.
 */
public final class StatsRequester {

    /** How often the thread takes the queued calls while busy: 10 ms. */
    public static final long TICK_NANOS = 10_000_000;

    private static final class Holder {
        static final StatsRequester INSTANCE = new StatsRequester("peerpulse-webrtc-stats");
    }

    private final Queue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> deliveries = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    /** Whether the thread sleeps until woken (not ticking), or is about to: a reader then wakes it. */
    private volatile boolean idle;

    private StatsRequester(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** @return the JVM's requester, started on first use */
    public static StatsRequester get() {
        return Holder.INSTANCE;
    }

    /**
     * Queues {@code call}, which may block on libwebrtc's threads, for the requester's next tick. Lock-free; wakes
     * the thread only when it is idle.
     *
     * @param call the calls into the peer connection
     */
    public void request(Runnable call) {
        calls.add(Objects.requireNonNull(call, "call"));
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Queues {@code delivery} (a report to interpret) and wakes the thread. For webrtc-java's callbacks.
     *
     * @param delivery the interpretation
     */
    public void deliver(Runnable delivery) {
        deliveries.add(Objects.requireNonNull(delivery, "delivery"));
        LockSupport.unpark(thread);
    }

    private void run() {
        boolean ticking = false;
        long lastCallsAt = Long.MIN_VALUE / 2;
        while (true) {
            drain(deliveries);
            boolean calledNow = drain(calls);
            drain(deliveries);
            long now = System.nanoTime();
            if (calledNow) {
                // requests come faster than one per tick: take them at the ticks from now on, as long as the ticks
                // find some; slower, each wakes this thread
                ticking = ticking || now - lastCallsAt < TICK_NANOS;
                lastCallsAt = now;
            } else {
                ticking = false;
            }
            if (ticking) {
                LockSupport.parkNanos(this, TICK_NANOS);
                continue;
            }
            idle = true; // then look again: a call queued before this write is seen below, one after wakes us
            if (calls.isEmpty() && deliveries.isEmpty()) {
                LockSupport.park(this);
            }
            idle = false;
        }
    }

    /** Runs what is queued now; a task that throws is reported to the thread's handler and the rest go on. */
    private boolean drain(Queue<Runnable> queue) {
        boolean any = false;
        Runnable task;
        while ((task = queue.poll()) != null) {
            any = true;
            try {
                task.run();
            } catch (Throwable t) {
                try {
                    thread.getUncaughtExceptionHandler().uncaughtException(thread, t);
                } catch (Throwable ignored) {
                    // a failing handler must not end the thread
                }
                if (t instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
            }
        }
        return any;
    }
}
