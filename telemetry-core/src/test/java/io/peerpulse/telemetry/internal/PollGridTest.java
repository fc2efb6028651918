package io.peerpulse.telemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PollGridTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long FRAME = SECOND / 60;
    private static final long ORIGIN = 7_123_456_789L;

    @Test
    void theDelayLeadsToTheSlotsNextTickWithinOneInterval() {
        PollGrid grid = new PollGrid(ORIGIN);
        Random random = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long now = random.nextLong() / 4; // nanoTime may be negative
            long interval = 1_000_000 + (long) (random.nextDouble() * SECOND);
            int slot = random.nextInt(PollGrid.SLOTS);
            long delay = grid.delayToNextTick(now, interval, slot);
            assertThat(delay).isBetween(0L, interval - 1);
            assertThat(grid.delayToNextTick(now + delay, interval, slot)).isZero();
            assertThat(Math.floorMod(now + delay - ORIGIN - interval * slot / PollGrid.SLOTS, interval)).isZero();
        }
    }

    @Test
    void startsAtAnyTimeLandOnTheGridsSixtyFourInstantsPerInterval() {
        PollGrid grid = new PollGrid(-42L);
        Random random = new Random(2);
        Set<Long> phases = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            long start = random.nextLong() / 4;
            int slot = random.nextInt(PollGrid.SLOTS);
            long tick = start + grid.delayToNextTick(start, SECOND, slot);
            phases.add(Math.floorMod(tick, SECOND));
            assertThat(grid.delayToNextTick(tick, SECOND / PollGrid.SLOTS, 0)).isZero();
        }
        assertThat(phases).hasSize(PollGrid.SLOTS);
    }

    @Test
    void aGridsPhaseAgainstAFrameScheduleDependsOnItsOriginAndSlotNotOnTheStart() {
        // a telemetry started at t, then a loop started at t: the poll's phase in the frame is the grid's, not
        // always "just before a frame" as with the first poll at once
        Random random = new Random(3);
        long start = 3 * SECOND;
        int nearAFrameStart = 0;
        for (int i = 0; i < 1000; i++) {
            PollGrid grid = new PollGrid(random.nextLong() / 4);
            long firstPoll = start + grid.delayToNextTick(start, SECOND / 10, PollGrid.randomSlot());
            long phase = Math.floorMod(firstPoll - start, FRAME);
            if (phase < FRAME / 100 || phase > FRAME - FRAME / 100) {
                nearAFrameStart++;
            }
        }
        assertThat(nearAFrameStart).isLessThan(50); // about 2 % expected for a uniform phase
        assertThat(PollGrid.jvm()).isSameAs(PollGrid.jvm());
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        assertThatThrownBy(() -> new PollGrid(0).delayToNextTick(0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intervalNanos");
        assertThatThrownBy(() -> new PollGrid(0).delayToNextTick(0, SECOND, PollGrid.SLOTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot");
        assertThatThrownBy(() -> new PollGrid(0).delayToNextTick(0, SECOND, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot");
    }
}
