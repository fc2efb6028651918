package io.peerpulse.integration;

import java.util.ArrayList;
import java.util.List;

/** Threads of the test's own that spin for as long as they are open: a loaded machine (on 2 cores, both taken). */
final class BusyThreads implements AutoCloseable {

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean spinning = true;

    BusyThreads(int count) {
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(() -> {
                long x = 0;
                while (spinning) {
                    x += System.nanoTime() & 1;
                }
                if (x == 42) {
                    System.out.print(""); // keeps the loop from being optimised away
                }
            }, "busy-" + i);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    @Override
    public void close() throws InterruptedException {
        spinning = false;
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}
