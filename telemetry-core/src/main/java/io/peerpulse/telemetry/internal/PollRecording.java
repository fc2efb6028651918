package io.peerpulse.telemetry.internal;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.PollEvent;

import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Applies a {@link PollEvent} to a {@link LatencyTelemetry} as if one of its polls had ended with it,
 * without polling: for the session journal's replay, which feeds journaled events with their own
 * timestamps into the very recording code that live polls run through. Not public API: this package is
 * exported only to the sibling modules that need it.
 *
 * <p>What an event does to the telemetry: its path change (if any) sets the path, counted as a change
 * unless it is the first path; its outcome is counted; a measured poll's sample enters the window and the
 * session aggregates with its own timestamp. Then the telemetry's listeners are told, as for a live
 * poll. Nothing reads the telemetry's clock. The telemetry should not be running meanwhile.
 */
public final class PollRecording {

    private static volatile BiConsumer<LatencyTelemetry, PollEvent> recorder;

    private PollRecording() {
    }

    /**
     * Called once, by {@link LatencyTelemetry}'s class initialiser.
     *
     * @param telemetryRecorder applies an event to a telemetry
     * @throws IllegalStateException when called a second time
     */
    public static synchronized void install(BiConsumer<LatencyTelemetry, PollEvent> telemetryRecorder) {
        if (recorder != null) {
            throw new IllegalStateException("the poll recorder is installed already");
        }
        recorder = Objects.requireNonNull(telemetryRecorder, "telemetryRecorder");
    }

    /**
     * Records {@code event} in {@code telemetry} and tells its listeners, as a live poll ending with it.
     *
     * @param telemetry the telemetry (its class is initialised, since an instance exists)
     * @param event     the event
     * @throws IllegalArgumentException when the event's sample is not a plausible RTT
     */
    public static void apply(LatencyTelemetry telemetry, PollEvent event) {
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(event, "event");
        recorder.accept(telemetry, event);
    }
}
