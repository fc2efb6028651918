package io.peerpulse.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * How long the calling thread has waited, runnable, for a CPU: the second field of Linux's
 * {@code /proc/thread-self/schedstat} (nanoseconds on the run queue). The contract subtracts it from a call's
 * wall time, so that a thread preempted on a loaded machine is not read as a source that blocks it: what
 * remains is the time the thread ran or slept (blocked) inside the call. Where the file cannot be read (not
 * Linux, no scheduler statistics) it answers 0 and the wall time is judged alone.
 */
final class RunQueueWait {

    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

    private RunQueueWait() {
    }

    /** @return the calling thread's total run-queue wait so far, ns; 0 where it cannot be read */
    static long nanos() {
        try (FileChannel file = FileChannel.open(SCHEDSTAT)) {
            ByteBuffer bytes = ByteBuffer.allocate(96);
            while (file.read(bytes) > 0 && bytes.hasRemaining()) {
                // reads the whole line
            }
            return parse(new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII));
        } catch (IOException | UnsupportedOperationException | SecurityException unreadable) {
            return 0;
        }
    }

    /**
     * @param line {@code schedstat}'s line: time on the CPU, time waiting on the run queue, time slices
     * @return the second field; 0 when the line does not have that shape
     */
    static long parse(String line) {
        String[] fields = line.trim().split(" ");
        if (fields.length < 2) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(fields[1]));
        } catch (NumberFormatException notSchedstat) {
            return 0;
        }
    }
}
