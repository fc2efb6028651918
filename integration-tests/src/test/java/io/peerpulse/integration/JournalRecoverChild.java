package io.peerpulse.integration;

import io.peerpulse.session.journal.SessionJournal;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/**
 * Child-JVM main of {@link JournalRecoveryMemoryTest}: recovers the journal {@code args[0]} and prints
 * {@link #RESULT} with the sample count, replayed lines, problem count, and the peak heap (the sum of the
 * heap pools' peak usage) in MiB. An error (an {@code OutOfMemoryError} included) ends it with a non-zero
 * exit code, as for any uncaught error of {@code main}.
 */
final class JournalRecoverChild {

    static final String RESULT = "recovered: ";

    private JournalRecoverChild() {
    }

    public static void main(String[] args) throws Exception {
        SessionJournal.Recovery recovery = SessionJournal.recover(Path.of(args[0]));
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(RESULT + "samples=" + recovery.sampleCount() + " lines=" + recovery.lineCount()
                + " problems=" + recovery.problemCount() + " complete=" + recovery.complete()
                + " peakHeapMiB=" + peak / (1024 * 1024));
    }
}
