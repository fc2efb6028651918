package io.peerpulse.webrtc.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one daemon thread that every probe of the JVM shares by default: it answers pings, matches
 * pongs and runs ping timeouts, each a few microseconds, so that webrtc-java's native callback
 * thread only copies the message and returns.
 */
public final class ProbeThread {

    private static final ScheduledExecutorService SHARED = create();

    private ProbeThread() {
    }

    /** @return the shared scheduler; never shut it down */
    public static ScheduledExecutorService shared() {
        return SHARED;
    }

    private static ScheduledExecutorService create() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "peerpulse-probe");
            thread.setDaemon(true);
            return thread;
        });
        return executor; // nothing is cancelled: each probe's one timeout task re-arms itself
    }
}
