package io.peerpulse.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ProbeStats refuses what the session report's JSON reader refuses, so that every export reads back. */
class ProbeStatsTest {

    private static final List<String> COUNTS = List.of("sentCount", "answeredCount", "lostCount", "lateCount",
            "unansweredCount", "cappedHoldCount", "peerPingsDroppedCount", "processedLateCount", "malformedCount",
            "unknownVersionCount", "unmatchedCount", "inboundDroppedCount");

    @Test
    void eachCountTakesZeroAndUpButNotANegativeNumber() {
        for (String count : COUNTS) {
            assertThat(with(count, 0L)).as(count).isNotNull();
            assertThat(with(count, Long.MAX_VALUE)).as(count).isNotNull();
            refused(count, -1L, count + " must be >= 0, was -1");
            refused(count, Long.MIN_VALUE, count + " must be >= 0, was " + Long.MIN_VALUE);
        }
    }

    @Test
    void theLossRatioLiesInZeroToOne() {
        assertThat(with("lossRatio", 0.0).lossRatio()).isZero();
        assertThat(with("lossRatio", 1.0).lossRatio()).isEqualTo(1.0);
        refused("lossRatio", -Double.MIN_VALUE, "lossRatio must be in [0, 1], was -4.9E-324");
        refused("lossRatio", Math.nextUp(1.0), "lossRatio must be in [0, 1], was 1.0000000000000002");
        refused("lossRatio", Double.NaN, "lossRatio must be in [0, 1], was NaN");
    }

    @Test
    void theHoldIsFiniteAndNotNegative() {
        assertThat(with("maxHoldMs", 0.0).maxHoldMs()).isZero();
        assertThat(with("maxHoldMs", Double.MAX_VALUE).maxHoldMs()).isEqualTo(Double.MAX_VALUE);
        refused("maxHoldMs", -0.5, "maxHoldMs must be finite and >= 0, was -0.5");
        refused("maxHoldMs", Double.NaN, "maxHoldMs must be finite and >= 0, was NaN");
        refused("maxHoldMs", Double.POSITIVE_INFINITY, "maxHoldMs must be finite and >= 0, was Infinity");
    }

    @Test
    void theOffsetIsFiniteOfEitherSign() {
        assertThat(with("offsetMs", -Double.MAX_VALUE).offsetMs()).isEqualTo(-Double.MAX_VALUE);
        assertThat(with("offsetMs", Double.MAX_VALUE).offsetMs()).isEqualTo(Double.MAX_VALUE);
        refused("offsetMs", Double.NaN, "offsetMs must be finite, was NaN");
        refused("offsetMs", Double.POSITIVE_INFINITY, "offsetMs must be finite, was Infinity");
        refused("offsetMs", Double.NEGATIVE_INFINITY, "offsetMs must be finite, was -Infinity");
    }

    @Test
    void theErrorBoundIsFiniteAndNotNegative() {
        assertThat(with("errorBoundMs", 0.0).errorBoundMs()).isZero();
        assertThat(with("errorBoundMs", Double.MAX_VALUE).errorBoundMs()).isEqualTo(Double.MAX_VALUE);
        refused("errorBoundMs", -0.5, "errorBoundMs must be finite and >= 0, was -0.5");
        refused("errorBoundMs", Double.NaN, "errorBoundMs must be finite and >= 0, was NaN");
        refused("errorBoundMs", Double.POSITIVE_INFINITY, "errorBoundMs must be finite and >= 0, was Infinity");
    }

    @Test
    void theOffsetsTimeIsAnEpochTimeNotBefore1970() {
        assertThat(with("offsetEpochMs", 0L).offsetEpochMs()).isZero();
        assertThat(with("offsetEpochMs", Long.MAX_VALUE).offsetEpochMs()).isEqualTo(Long.MAX_VALUE);
        refused("offsetEpochMs", -1L, "offsetEpochMs must be >= 0, was -1");
    }

    @Test
    void theOffsetsThreePartsComeTogether() {
        ProbeStats none = new ProbeStats(0, 0, 0, 0, 0, 0, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(none.offsetMs()).isNull();
        assertThatThrownBy(() -> new ProbeStats(0, 0, 0, 0, 0, 0, 1.0, null, null, 0, 0, 0, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("offsetMs, errorBoundMs and offsetEpochMs come together");
    }

    private static void refused(String component, Object value, String message) {
        assertThatThrownBy(() -> with(component, value)).as("%s = %s", component, value)
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    /** Valid statistics with an offset, {@code component} set to {@code value}. */
    private static ProbeStats with(String component, Object value) {
        RecordComponent[] components = ProbeStats.class.getRecordComponents();
        Object[] args = {10L, 8L, 1L, 0L, 1L, 1.0 / 9, -1.5, 0.25, 1_767_225_600_000L, 0L, 0.0, 0L, 0L, 0L, 0L, 0L,
            0L};
        int at = Arrays.stream(components).map(RecordComponent::getName).toList().indexOf(component);
        assertThat(at).as(component).isNotNegative();
        args[at] = value;
        try {
            return ProbeStats.class.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType)
                    .toArray(Class<?>[]::new)).newInstance(args);
        } catch (InvocationTargetException e) {
            throw (RuntimeException) e.getCause();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
