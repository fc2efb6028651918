package io.peerpulse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slow peer for tests: a UDP echo on {@code 127.0.0.1} that sends every datagram it receives back to its
 * sender after a fixed delay. With it a source's test sees whether {@code read()} waits for its answer: on a
 * fast machine talking to a peer that answers at once, a {@code read()} that waits for the answer returns in
 * microseconds and looks fine; against this peer it holds its caller for the whole delay. See
 * {@link RttSourceContract#createSourceWithSlowPeer(Duration)}; for WebRTC sources, the lab's
 * {@code ImpairmentRelay} delays a real connection instead.
 *
 * <pre>{@code
 * try (DelayingEcho peer = DelayingEcho.start(Duration.ofMillis(100))) {
 *     AcmeRttSource source = new AcmeRttSource(peer.address());
 *     ...
 * }
 * }</pre>
 *
 * <p>Two daemon threads of its own: one receives, one answers when each answer is due (a scheduled task, so
 * answers to datagrams received together leave together). Datagrams up to 2,048 bytes.
 *
 * @since 0.1.0
 */
public final class DelayingEcho implements AutoCloseable {

    private static final int MAX_DATAGRAM = 2048;
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final Duration delay;
    private final DatagramChannel channel;
    private final InetSocketAddress address;
    private final ScheduledExecutorService answers;
    private final Thread receiver;
    private final AtomicLong echoed = new AtomicLong();

    private DelayingEcho(Duration delay) throws IOException {
        this.delay = delay;
        this.channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.address = (InetSocketAddress) channel.getLocalAddress();
        long id = INSTANCES.incrementAndGet();
        this.answers = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "delaying-echo-" + id + "-answers");
            thread.setDaemon(true);
            return thread;
        });
        this.receiver = new Thread(this::receive, "delaying-echo-" + id);
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Starts an echo on a free port of {@code 127.0.0.1}.
     *
     * @param delay how long each answer waits, 0 or more
     * @return the running echo, to be closed
     * @throws UncheckedIOException when no socket can be opened
     * @since 0.1.0
     */
    public static DelayingEcho start(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        try {
            return new DelayingEcho(delay);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the echo's socket", e);
        }
    }

    /**
     * @return where to send: {@code 127.0.0.1} and the echo's port
     * @since 0.1.0
     */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * @return how long each answer waits
     * @since 0.1.0
     */
    public Duration delay() {
        return delay;
    }

    /**
     * @return how many datagrams were sent back so far
     * @since 0.1.0
     */
    public long echoedCount() {
        return echoed.get();
    }

    /**
     * Stops answering and closes the socket; idempotent.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        answers.shutdownNow();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    private void receive() {
        while (channel.isOpen()) {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
            SocketAddress from;
            try {
                from = channel.receive(buffer);
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                continue; // e.g. an ICMP error from an earlier answer: keep echoing
            }
            buffer.flip();
            try {
                answers.schedule(() -> answer(buffer, from), delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                return;
            }
        }
    }

    private void answer(ByteBuffer datagram, SocketAddress to) {
        try {
            channel.send(datagram, to);
            echoed.incrementAndGet();
        } catch (IOException lost) {
            // closed, or the sender went away: an echo may be lost, as any datagram
        }
    }

    @Override
    public String toString() {
        return "DelayingEcho[delay=" + io.peerpulse.telemetry.shared.Durations.format(delay) + "]";
    }
}
