package io.peerpulse.session.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor every session of the JVM shares by default for exporter calls and quality listeners:
 * daemon threads made on demand and ended after 30 s idle, so that idle sessions cost no thread and a
 * hanging exporter holds up only its own thread.
 */
public final class SharedExecutor {

    private SharedExecutor() {
    }

    private static final class Holder {
        static final Executor INSTANCE = create();
    }

    /** @return the shared executor, created on first use */
    public static Executor get() {
        return Holder.INSTANCE;
    }

    private static Executor create() {
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "peerpulse-session-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        return executor::execute; // not an ExecutorService: nobody can shut it down
    }
}
