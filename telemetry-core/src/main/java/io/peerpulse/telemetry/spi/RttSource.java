package io.peerpulse.telemetry.spi;

import java.util.concurrent.CompletionStage;

/**
 * One connection's round-trip time, read on demand.
 *
 * <p>{@link #read()} must not block: it starts the read and returns a stage at once; the stage
 * completes later, on any thread, with an {@link RttReading}. The telemetry never has more than
 * one read of a source in flight and gives up on a read after its read timeout.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface RttSource {

    /**
     * Starts one read of the connection's RTT.
     *
     * @return a stage completed with the reading, or exceptionally when the read failed
     */
    CompletionStage<RttReading> read();
}
