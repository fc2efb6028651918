package io.peerpulse.integration;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCPeerConnection;
import io.peerpulse.webrtc.DataChannelProbe;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A modified client on the far end: the probe channel (negotiated, id 1023, as docs/PROBE-PROTOCOL.md says)
 * opened by hand, with messages written from the protocol's byte layout, not by PeerPulse's probe. It can
 * forge pongs (claiming a long hold and a planted clock), flood its partner with pings, or send any bytes.
 */
final class HostilePeer implements AutoCloseable {

    private final RTCDataChannel channel;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hostile-peer");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch open = new CountDownLatch(1);
    private volatile long forgedHoldNanos = -1;
    private volatile boolean answering;
    /** When set, each ping received is added here as {sequence, t1, System.nanoTime()} instead of answered. */
    volatile java.util.Queue<long[]> pingsToAnswer;
    private volatile long plantedOffsetMicros;
    final AtomicLong pingsReceived = new AtomicLong();
    final AtomicLong pongsReceived = new AtomicLong();
    final AtomicLong forgedPongsSent = new AtomicLong();
    final AtomicLong honestPongsSent = new AtomicLong();
    /** The last ping received: {sequence, t1}; {@code null} before the first. */
    final AtomicReference<long[]> lastPing = new AtomicReference<>();

    private HostilePeer(RTCPeerConnection peerConnection) {
        RTCDataChannelInit init = new RTCDataChannelInit();
        init.negotiated = true;
        init.id = 1023;
        init.ordered = false;
        init.maxRetransmits = 0;
        init.maxPacketLifeTime = -1;
        channel = peerConnection.createDataChannel(DataChannelProbe.LABEL, init);
        channel.registerObserver(new RTCDataChannelObserver() {
            @Override
            public void onBufferedAmountChange(long previousAmount) {
            }

            @Override
            public void onStateChange() {
                // on webrtc-java's callback thread: ask for the state elsewhere
                later(HostilePeer.this::checkOpen);
            }

            @Override
            public void onMessage(RTCDataChannelBuffer buffer) {
                ByteBuffer data = buffer.data;
                if (data.remaining() == 16 && data.get(data.position() + 1) == 1) {
                    int sequence = data.getInt(data.position() + 4);
                    long t1Micros = data.getLong(data.position() + 8);
                    lastPing.set(new long[] {sequence, t1Micros});
                    pingsReceived.incrementAndGet();
                    long holdNanos = forgedHoldNanos;
                    java.util.Queue<long[]> queue = pingsToAnswer;
                    if (queue != null) {
                        queue.add(new long[] {sequence, t1Micros, System.nanoTime()});
                    } else if (holdNanos >= 0) {
                        later(() -> forgePong(sequence, t1Micros, holdNanos));
                    } else if (answering) {
                        later(() -> answer(sequence, t1Micros));
                    }
                } else if (data.remaining() == 28 && data.get(data.position() + 1) == 2) {
                    pongsReceived.incrementAndGet();
                }
            }
        });
        sender.execute(this::checkOpen);
    }

    /** Opens the probe channel on {@code peerConnection}, answering nothing until told to. */
    static HostilePeer on(RTCPeerConnection peerConnection) {
        return new HostilePeer(peerConnection);
    }

    /**
     * Answers every ping with a forged pong: it claims it held the ping {@code hold} (the cheat of issue 23: all but
     * about 2 ms of the round trip) and that its clock is {@code plantedOffset} ahead.
     */
    HostilePeer forgingPongs(Duration hold, Duration plantedOffset) {
        plantedOffsetMicros = plantedOffset.toNanos() / 1_000;
        forgedHoldNanos = hold.toNanos();
        return this;
    }

    /** Answers every ping with an honest pong ({@link #sendPong}), sent by its own thread. */
    HostilePeer answeringHonestly() {
        answering = true;
        return this;
    }

    private void answer(int sequence, long t1Micros) {
        try {
            sendPong(sequence, t1Micros);
            honestPongsSent.incrementAndGet();
        } catch (Exception e) {
            // closed
        }
    }

    boolean awaitOpen(Duration bound) throws InterruptedException {
        return open.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends one ping with {@code sequence}; blocking (webrtc-java's send). */
    void sendPing(int sequence, long t1Micros) throws Exception {
        ByteBuffer ping = ByteBuffer.allocate(16);
        ping.put((byte) 1).put((byte) 1).putShort((short) 0).putInt(sequence).putLong(t1Micros).flip();
        channel.send(new RTCDataChannelBuffer(ping, true));
    }

    /**
     * Sends an honest pong: {@code sequence} and {@code t1Micros} echoed, t2 from this JVM's wall clock, no hold;
     * blocking (webrtc-java's send).
     */
    void sendPong(int sequence, long t1Micros) throws Exception {
        ByteBuffer pong = ByteBuffer.allocate(28);
        pong.put((byte) 1).put((byte) 2).putShort((short) 0).putInt(sequence).putLong(t1Micros)
                .putLong(System.currentTimeMillis() * 1_000).putInt(0).flip();
        channel.send(new RTCDataChannelBuffer(pong, true));
    }

    /** Sends {@code message} as it is, as a binary or a text message; blocking (webrtc-java's send). */
    void sendRaw(byte[] message, boolean binary) throws Exception {
        channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(message), binary));
    }

    /**
     * Hands work to the sender thread. Never throws: an exception thrown on webrtc-java's callback thread aborts the
     * JVM (a callback after close() would find the sender shut down).
     */
    private void later(Runnable task) {
        try {
            sender.execute(task);
        } catch (RejectedExecutionException closing) {
            // closed: nothing to do
        }
    }

    private void checkOpen() {
        try {
            if (channel.getState() == RTCDataChannelState.OPEN) {
                open.countDown();
            }
        } catch (RuntimeException closed) {
            // disposed
        }
    }

    private void forgePong(int sequence, long t1Micros, long holdNanos) {
        // t2: "received" half a trip after t1, by a clock planted ahead; the forger knows the trip from its own pings
        long t2Micros = t1Micros + plantedOffsetMicros + 40_000;
        ByteBuffer pong = ByteBuffer.allocate(28);
        pong.put((byte) 1).put((byte) 2).putShort((short) 0).putInt(sequence).putLong(t1Micros).putLong(t2Micros)
                .putInt((int) Math.min(holdNanos, 0xFFFF_FFFFL)).flip();
        try {
            channel.send(new RTCDataChannelBuffer(pong, true));
            forgedPongsSent.incrementAndGet();
        } catch (Exception e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            channel.unregisterObserver(); // first: no callback may find the sender shut down
        } catch (RuntimeException | Error e) {
            // closing anyway
        }
        sender.shutdownNow();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
            channel.dispose();
        } catch (RuntimeException | Error e) {
            // closing anyway
        }
    }
}
