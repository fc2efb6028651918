package io.peerpulse.webrtc.internal;

import java.lang.reflect.Method;

/**
 * Bytes a thread has allocated, from {@code com.sun.management.ThreadMXBean}: reached through
 * reflection, because this module does not read {@code java.management} and its tests run inside it.
 */
final class AllocatedBytes {

    private final Object threads;
    private final Method allocated;

    AllocatedBytes() throws ReflectiveOperationException {
        threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
    }

    /** @return the bytes {@code thread} has allocated so far (no allocation on the calling thread once warm) */
    long of(Thread thread) throws ReflectiveOperationException {
        return (long) allocated.invoke(threads, thread.getId());
    }
}
