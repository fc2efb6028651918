package io.peerpulse.telemetry.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When a telemetry polls by default: on one of {@value #SLOTS} slots of a grid in {@code System.nanoTime},
 * the instants {@code origin + (slot / }{@value #SLOTS}{@code  + k) × pollInterval} for any whole k, with one
 * random origin per JVM and a random slot per telemetry.
 *
 * <p>The grid does two things at once. Its phase is random, so a telemetry's polls do not fall in step with
 * what the application started at the same moment: a 60 Hz game loop started just after its telemetry would
 * otherwise have a poll fall due with every sixth frame (100 ms and 1 s are whole numbers of frames) for the
 * whole session. And its slots are few, so the telemetries polling at the same interval share the shared
 * scheduler's wake-ups, at most {@value #SLOTS} per interval however many there are and whenever each
 * started, while each slot's batch stays small; as the Linux kernel rounds timers that need no precision to
 * whole seconds to batch their wake-ups. Measured at 10,000 telemetries at 1 Hz ({@code docs/PERFORMANCE.md}):
 * a phase of their own each, 14 % of a core; all on one instant, 1.4 % but polls up to 39 ms late.
 */
public final class PollGrid {

    /** Slots per interval. */
    public static final int SLOTS = 64;

    private static final PollGrid JVM = new PollGrid(System.nanoTime()
            + ThreadLocalRandom.current().nextLong(TimeUnit.HOURS.toNanos(24)));

    private final long originNanos;

    /** @param originNanos a tick of slot 0, in {@code System.nanoTime} */
    public PollGrid(long originNanos) {
        this.originNanos = originNanos;
    }

    /** @return the JVM's grid, whose origin was drawn at random once */
    public static PollGrid jvm() {
        return JVM;
    }

    /** @return a slot drawn at random, for a telemetry starting */
    public static int randomSlot() {
        return ThreadLocalRandom.current().nextInt(SLOTS);
    }

    /**
     * @param nowNanos      the time now, in {@code System.nanoTime}
     * @param intervalNanos the poll interval, above 0
     * @param slot          the slot, 0 to {@value #SLOTS} - 1
     * @return how long from {@code nowNanos} to the slot's next tick, 0 when on one: in [0, intervalNanos)
     */
    public long delayToNextTick(long nowNanos, long intervalNanos, int slot) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos must be above 0, was " + intervalNanos);
        }
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be between 0 and " + (SLOTS - 1) + ", was " + slot);
        }
        // intervalNanos is at most 24 h (8.64e13 ns): times 63 it stays far below Long.MAX_VALUE
        return Math.floorMod(originNanos + intervalNanos * slot / SLOTS - nowNanos, intervalNanos);
    }
}
