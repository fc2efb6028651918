package io.peerpulse.cli;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demos' 60 Hz game loop: on a daemon thread {@code demo-game-loop}, every frame sends {@code input <frame>}
 * over a data channel; a send that fails is counted, not retried.
 */
final class GameLoop {

    private static final long FRAME_NANOS = 1_000_000_000L / 60;

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "demo-game-loop");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();

    /** Starts sending over {@code channel}, the first frame at once. */
    void start(RTCDataChannel channel) {
        loop.scheduleAtFixedRate(() -> {
            byte[] input = ("input " + frames.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            try {
                channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(input), false));
            } catch (Exception e) {
                sendFailures.incrementAndGet();
            }
        }, 0, FRAME_NANOS, TimeUnit.NANOSECONDS);
    }

    /** @return the frames run so far */
    long frames() {
        return frames.get();
    }

    /** @return the inputs that could not be sent */
    long sendFailures() {
        return sendFailures.get();
    }

    /** Stops the loop, waiting at most 5 s for a frame under way. */
    void stop() throws InterruptedException {
        loop.shutdownNow();
        loop.awaitTermination(5, TimeUnit.SECONDS);
    }
}
