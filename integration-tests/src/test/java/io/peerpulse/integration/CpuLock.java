package io.peerpulse.integration;

/**
 * The test classes run side by side on a 2-core machine. Tests that measure real round trips hold this
 * lock for reading (they run beside each other and beside light tests); tests that load both cores hold
 * it for writing (nothing that measures runs beside them), so a measurement is never skewed by the suite.
 * The Chromium tests both measure and load the machine (a browser): they hold it for writing.
 */
final class CpuLock {

    /** The lock's name, for {@code @ResourceLock}. */
    static final String NAME = "peerpulse.cpu";

    private CpuLock() {
    }
}
