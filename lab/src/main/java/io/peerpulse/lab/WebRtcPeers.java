package io.peerpulse.lab;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceConnectionState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Two real webrtc-java peers in one JVM, A and B, connected directly or through an
 * {@link ImpairmentRelay}, with one ordered data channel that A opened and B received, and one unordered
 * channel without retransmissions for {@link #unorderedEchoAsync(Duration) echoes}, negotiated on both with
 * the id {@value #UNORDERED_ECHO_CHANNEL_ID}.
 *
 * <pre>{@code
 * try (ImpairmentRelay relay = new ImpairmentRelay(42).impair(Link.roundTrip(Duration.ofMillis(40)));
 *      WebRtcPeers peers = WebRtcPeers.open(Route.through(relay))) {
 *     Duration rtt = peers.echo(Duration.ofSeconds(5));
 *     ...
 * }
 * }</pre>
 *
 * <p>One {@link PeerConnectionFactory} with a {@link HeadlessAudioDeviceModule} (the default audio
 * module aborts the JVM on a machine without a sound device) makes both peer connections; no
 * STUN or TURN server is used and TCP candidates are off. Signalling happens in-process: offer,
 * answer and trickled candidates. Through a relay, each peer learns only the relay's address:
 * A gets B's candidate as {@code 127.0.0.1:}{@link ImpairmentRelay#facingAPort()}, B gets A's as
 * {@code 127.0.0.1:}{@link ImpairmentRelay#facingBPort()}; of each peer's candidates only its first
 * UDP IPv4 host candidate is passed on (others could not be routed), so there is no direct path.
 * The relay learns each peer's real address from its first packet.
 *
 * <p>webrtc-java delivers every callback on one native thread; the callbacks here only hand
 * results to futures and queues, and all calls into the peers made by this class run on one
 * daemon thread of its own ({@code peerpulse-webrtc-N}). Do not call {@link #close()} from a
 * webrtc callback.
 *
 * <p><b>Close order.</b> {@link #close()} closes the data channels, then both peer connections,
 * then disposes the factory, then the audio module. Whatever reads the peers (a {@code WebRtcRttSource}, a
 * probe; a session closes its own) must be closed <em>before</em> {@code close()}: {@code getStats} on a closed
 * connection throws, and in progress when the factory is disposed it crashes the JVM. Without {@code close()}
 * the JVM never exits, because webrtc's native threads are not daemons.
 *
 * <p><b>Requirements.</b> webrtc-java is an optional dependency of the testkit: add
 * {@code dev.onvoid.webrtc:webrtc-java} and its native jar for the platform (classifier such as
 * {@code linux-x86_64}) to the test dependencies. On the module path the native jar is an
 * automatic module that nothing requires: add {@code --add-modules webrtc.linux.x86_64} (or the
 * name for your platform), or keep that jar on the class path. On Linux the native library needs
 * {@code libpulse.so.0} (Debian package {@code libpulse0}; {@code scripts/setup.sh} installs it).
 *
 * <p><b>Why one class.</b> About 510 lines of code, one job: one negotiation between two in-process peers —
 * offer and answer, candidates rewritten to the relay, the channel observers, and the teardown order
 * webrtc-java requires (connections, then factories, then audio modules; a wrong order crashes the JVM).
 * These share the peers' half-built state on every failure path, which is why they stay together; the
 * negotiation steps shared with {@link BrowserPeer} are apart, in {@code Negotiation}.
 *
 * @since 0.1.0
 */
public final class WebRtcPeers implements AutoCloseable {

    private static final String LABEL = "peerpulse";
    private static final String ECHO_LABEL = "peerpulse-echo";

    /**
     * The negotiated SCTP stream id of the unordered echo channel on both peers; a channel of one's own on these
     * peers (a {@code DataChannelProbe}, say) must use another (libwebrtc refuses an id in use, and webrtc-java
     * 0.14 crashes the JVM reporting it). A {@code DataChannelProbe}'s default id is 1023.
     *
     * @since 0.1.0
     */
    public static final int UNORDERED_ECHO_CHANNEL_ID = 1022;
    /** Messages with this prefix are echoed by B and kept apart from ordinary messages. */
    private static final String ECHO_PREFIX = "peerpulse-echo:";
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final ExecutorService thread;
    private final Executor signaling;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> remoteSetA = new CompletableFuture<>();
    private final CompletableFuture<Void> remoteSetB = new CompletableFuture<>();
    private final CompletableFuture<Void> connectedA = new CompletableFuture<>();
    private final CompletableFuture<Void> connectedB = new CompletableFuture<>();
    private final CompletableFuture<Void> openA = new CompletableFuture<>();
    private final CompletableFuture<Void> openB = new CompletableFuture<>();
    private final CompletableFuture<Void> echoOpenA = new CompletableFuture<>();
    private final CompletableFuture<Void> echoOpenB = new CompletableFuture<>();
    private final CompletableFuture<Void> tornDown = new CompletableFuture<>();
    private final BlockingQueue<String> inboxA = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> inboxB = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> echoes = new LinkedBlockingQueue<>();
    /** Echoes started by {@link #echoAsync(Duration)} and not answered yet, by their message. */
    private final java.util.Map<String, PendingEcho> pendingEchoes = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong echoSequence = new AtomicLong();
    private final HeadlessAudioDeviceModule audio;
    private final PeerConnectionFactory factory;
    private final RTCPeerConnection peerA;
    private final RTCPeerConnection peerB;
    private final RTCDataChannel channelA;
    private volatile @Nullable RTCDataChannel channelB;
    private final RTCDataChannel echoChannelA;
    private final RTCDataChannel echoChannelB;
    private volatile @Nullable RelayCandidates candidatesForA;
    private volatile @Nullable RelayCandidates candidatesForB;
    private volatile @Nullable Thread signalingThread;
    private volatile String stateA = "NEW";
    private volatile String stateB = "NEW";
    /** A's connection state as its observer last reported it; with {@link #stateListenersA}, under their monitor. */
    private RTCPeerConnectionState reportedA = RTCPeerConnectionState.NEW;
    private final java.util.List<java.util.function.Consumer<RTCPeerConnectionState>> stateListenersA =
            new java.util.ArrayList<>();

    /**
     * Creates the factory, both peer connections, A's data channel and both ends of the echo channel, without
     * connecting them.
     *
     * @throws UnsatisfiedLinkError when webrtc's native library cannot load (e.g. no libpulse0)
     * @since 0.1.0
     */
    public WebRtcPeers() {
        long id = INSTANCES.incrementAndGet();
        this.thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "peerpulse-webrtc-" + id);
            t.setDaemon(true);
            signalingThread = t;
            return t;
        });
        this.signaling = task -> {
            try {
                thread.execute(task);
            } catch (RejectedExecutionException closedAlready) {
                // closed: what is left of the negotiation does not matter any more
            }
        };
        HeadlessAudioDeviceModule audioModule = null;
        PeerConnectionFactory peerFactory = null;
        RTCPeerConnection a = null;
        RTCPeerConnection b = null;
        RTCDataChannel channel = null;
        RTCDataChannel echoA = null;
        RTCDataChannel echoB = null;
        try {
            audioModule = new HeadlessAudioDeviceModule();
            peerFactory = new PeerConnectionFactory(audioModule);
            a = peerFactory.createPeerConnection(Negotiation.configuration(), new PeerObserver(true));
            b = peerFactory.createPeerConnection(Negotiation.configuration(), new PeerObserver(false));
            RTCDataChannelInit init = new RTCDataChannelInit();
            init.ordered = true;
            channel = a.createDataChannel(LABEL, init);
            echoA = a.createDataChannel(ECHO_LABEL, unorderedEchoInit());
            echoB = b.createDataChannel(ECHO_LABEL, unorderedEchoInit());
        } catch (RuntimeException | Error e) {
            closeAll(java.util.Arrays.asList(channel, echoA, echoB), a, b, peerFactory, audioModule);
            thread.shutdown();
            throw e;
        }
        this.audio = audioModule;
        this.factory = peerFactory;
        this.peerA = a;
        this.peerB = b;
        this.channelA = channel;
        this.echoChannelA = echoA;
        this.echoChannelB = echoB;
        observe(channel, true, openA, false);
        observe(echoA, true, echoOpenA, true);
        observe(echoB, false, echoOpenB, true);
    }

    /** The echo channel's options: as the probe's channel, unordered and never resent, so a lost echo is lost. */
    private static RTCDataChannelInit unorderedEchoInit() {
        RTCDataChannelInit init = new RTCDataChannelInit();
        init.negotiated = true;
        init.id = UNORDERED_ECHO_CHANNEL_ID;
        init.ordered = false;
        init.maxRetransmits = 0;
        // libwebrtc reads a negative value as unset, and refuses a channel with both limits
        init.maxPacketLifeTime = -1;
        return init;
    }

    /** Registers the observer of one channel end; {@code open} completes when it is open. */
    private void observe(RTCDataChannel channel, boolean isA, CompletableFuture<Void> open, boolean echoOnly) {
        channel.registerObserver(new ChannelObserver(channel, isA, open, echoOnly));
        if (channel.getState() == RTCDataChannelState.OPEN) {
            open.complete(null);
        }
    }

    /**
     * How two peers connect: directly over the host's own addresses, or through an
     * {@link ImpairmentRelay}; and how long connecting may take.
     *
     * <pre>{@code
     * WebRtcPeers.open(Route.direct());
     * WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(30)));
     * }</pre>
     *
     * @param relay   the relay between A and B, {@code null} for a direct connection; it must be fresh
     *                (it learns the peers' addresses from their first packets) and its impairment applies
     *                from the first packet on
     * @param timeout how long connecting may take, above 0
     * @since 0.1.0
     */
    public record Route(@Nullable ImpairmentRelay relay, Duration timeout) {

        /**
         * The timeout of {@link #direct()} and {@link #through(ImpairmentRelay)}: 10 s.
         *
         * @since 0.1.0
         */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        /**
         * Validates the timeout.
         *
         * @param relay   see the record description
         * @param timeout see the record description
         * @throws IllegalArgumentException when the timeout is null, zero or negative
         * @since 0.1.0
         */
        public Route {
            requirePositive(timeout);
        }

        /**
         * @return a direct connection with the default timeout
         * @since 0.1.0
         */
        public static Route direct() {
            return new Route(null, DEFAULT_TIMEOUT);
        }

        /**
         * @param relay the relay between A and B
         * @return a connection through {@code relay} with the default timeout
         * @since 0.1.0
         */
        public static Route through(ImpairmentRelay relay) {
            return new Route(Objects.requireNonNull(relay, "relay"), DEFAULT_TIMEOUT);
        }

        /**
         * @param timeout how long connecting may take, above 0
         * @return this route with that timeout
         * @since 0.1.0
         */
        public Route withTimeout(Duration timeout) {
            return new Route(relay, timeout);
        }
    }

    /**
     * Creates two peers and connects them along {@code route}.
     *
     * @param route directly or through a relay, and the timeout
     * @return the connected peers, to be closed by the caller (before the relay)
     * @throws IllegalStateException when they do not connect in time or fail to (they are closed then)
     * @throws InterruptedException when interrupted while waiting (they are closed then)
     * @since 0.1.0
     */
    public static WebRtcPeers open(Route route) throws InterruptedException {
        Objects.requireNonNull(route, "route");
        WebRtcPeers peers = new WebRtcPeers();
        try {
            return peers.connect(route);
        } catch (InterruptedException | RuntimeException | Error e) {
            peers.close();
            throw e;
        }
    }

    /**
     * Connects A and B along {@code route} and waits until both connections are {@code CONNECTED}
     * and both ends of the data channel are {@code OPEN}. On failure the peers stay as they are:
     * close them.
     *
     * @param route directly or through a relay, and the timeout
     * @return this
     * @throws IllegalStateException when they do not connect in time, fail to, are closed, or
     *                               connecting was started before
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public WebRtcPeers connect(Route route) throws InterruptedException {
        Objects.requireNonNull(route, "route");
        return await(connectAsync(route), route.timeout());
    }

    /**
     * Starts connecting A and B along {@code route}, without waiting (its timeout does not apply).
     *
     * @param route directly or through a relay
     * @return completes when both connections are {@code CONNECTED} and both channel ends
     *         {@code OPEN}; completes exceptionally when connecting fails or the peers are closed first
     * @throws IllegalStateException when connecting was started before or the peers are closed
     * @since 0.1.0
     */
    public CompletableFuture<Void> connectAsync(Route route) {
        return start(Objects.requireNonNull(route, "route").relay());
    }

    /**
     * Peer A, the offerer, which opened the data channel.
     *
     * @return A's peer connection
     * @since 0.1.0
     */
    public RTCPeerConnection peerA() {
        return peerA;
    }

    /**
     * Peer B, the answerer.
     *
     * @return B's peer connection
     * @since 0.1.0
     */
    public RTCPeerConnection peerB() {
        return peerB;
    }

    /**
     * A's end of the data channel.
     *
     * @return the channel A created
     * @since 0.1.0
     */
    public RTCDataChannel channelA() {
        return channelA;
    }

    /**
     * B's end of the data channel, once B received it.
     *
     * @return the channel, or {@code null} before B received it
     * @since 0.1.0
     */
    public @Nullable RTCDataChannel channelB() {
        return channelB;
    }

    /**
     * The factory that made both peers.
     *
     * @return the factory
     * @since 0.1.0
     */
    public PeerConnectionFactory factory() {
        return factory;
    }

    /**
     * Sends a text message from A and waits until B received it; messages B received before are
     * skipped.
     *
     * @param message the text
     * @param timeout how long to wait for it
     * @throws IllegalStateException when B did not receive it in time, or sending failed
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public void sendAndAwait(String message, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        requirePositive(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        send(channelA, message);
        if (!awaitMessage(inboxB, message, deadline)) {
            throw new IllegalStateException("B did not receive the message within " + timeout + "; " + describe());
        }
    }

    /**
     * Measures one application-level round trip: A sends a probe, B sends it back at once (from
     * this class's thread, not the native one), A receives it.
     *
     * @param timeout how long to wait for the echo
     * @return the time from sending to receiving the echo on A
     * @throws IllegalStateException when no echo arrived in time, or sending failed
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public Duration echo(Duration timeout) throws InterruptedException {
        requirePositive(timeout);
        String probe = ECHO_PREFIX + echoSequence.incrementAndGet();
        long start = System.nanoTime();
        send(channelA, probe);
        if (!awaitMessage(echoes, probe, start + timeout.toNanos())) {
            throw new IllegalStateException("no echo within " + timeout + "; " + describe());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Starts one application-level round trip like {@link #echo(Duration)}, without waiting for it: A sends a
     * probe from the calling thread, B sends it back from this class's thread, and the result completes when A
     * receives it. Many may be under way at once, on these peers and on others, from one thread. It rides the
     * ordered, reliable data channel, where a lost packet holds every later echo until it is resent: on a lossy
     * link, use {@link #unorderedEchoAsync(Duration)}.
     *
     * @param timeout how long to wait for the echo, above 0
     * @return completes with the time from sending to A receiving the echo, on webrtc-java's native callback
     *         thread (so what depends on it must only store the value); completes exceptionally with a
     *         {@link TimeoutException} when no echo arrived in time, with an {@link IllegalStateException} when
     *         sending failed
     * @since 0.1.0
     */
    public CompletableFuture<Duration> echoAsync(Duration timeout) {
        return echoAsync(channelA, timeout);
    }

    /**
     * Starts one application-level round trip like {@link #echoAsync(Duration)}, on the unordered echo channel
     * without retransmissions ({@value #UNORDERED_ECHO_CHANNEL_ID}), the kind the probe's channel is: a lost
     * probe or echo is never resent, and a later echo never waits for an earlier one. On a lossy link it times
     * out, while on {@link #echoAsync(Duration)}'s ordered, reliable channel it holds every later echo until it
     * is resent (a retransmission timeout, hundreds of milliseconds) and then arrives, late.
     *
     * @param timeout how long to wait for the echo, above 0
     * @return completes with the time from sending to A receiving the echo, on webrtc-java's native callback
     *         thread (so what depends on it must only store the value); completes exceptionally with a
     *         {@link TimeoutException} when no echo arrived in time (lost, or late: a late one is dropped), with
     *         an {@link IllegalStateException} when sending failed
     * @since 0.1.0
     */
    public CompletableFuture<Duration> unorderedEchoAsync(Duration timeout) {
        return echoAsync(echoChannelA, timeout);
    }

    private CompletableFuture<Duration> echoAsync(RTCDataChannel channel, Duration timeout) {
        requirePositive(timeout);
        String probe = ECHO_PREFIX + echoSequence.incrementAndGet();
        CompletableFuture<Duration> result = new CompletableFuture<>();
        pendingEchoes.put(probe, new PendingEcho(System.nanoTime(), result));
        result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((rtt, failure) -> pendingEchoes.remove(probe));
        try {
            send(channel, probe);
        } catch (IllegalStateException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** An echo under way: when A sent it, and what completes when it is back. */
    private record PendingEcho(long sentNanos, CompletableFuture<Duration> result) {
    }

    /**
     * Closes the data channels, both peer connections, the factory and the audio module, in this
     * order; idempotent, never throws, and returns when all is released. A connection still in
     * progress fails. Stop whatever polls the peers (e.g. telemetry) before calling this.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ready.completeExceptionally(new IllegalStateException("the WebRTC peers were closed before they connected"));
            if (Thread.currentThread() == signalingThread) {
                teardown();
            } else {
                try {
                    thread.execute(this::teardown);
                } catch (RejectedExecutionException impossible) {
                    teardown();
                }
            }
            thread.shutdown();
        }
        if (Thread.currentThread() == signalingThread) {
            return;
        }
        Negotiation.awaitUninterruptibly(tornDown);
    }

    /**
     * Tells {@code listener} A's connection state as webrtc-java's observer reports it: at once the state last
     * reported, then every change, on webrtc-java's native callback thread (so it must only store it), e.g.
     * {@code peers.onConnectionChangeOfA(iceSource::onConnectionChange)}.
     *
     * @param listener told of A's states, in order
     * @since 0.1.0
     */
    public void onConnectionChangeOfA(java.util.function.Consumer<RTCPeerConnectionState> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (stateListenersA) {
            stateListenersA.add(listener);
            listener.accept(reportedA);
        }
    }

    /**
     * Describes the connection and channel states, for failure messages; never an address.
     *
     * @since 0.1.0
     */
    @Override
    public String toString() {
        return "WebRtcPeers[" + describe() + (closed.get() ? ", closed" : "") + "]";
    }

    private CompletableFuture<Void> start(@Nullable ImpairmentRelay relay) {
        if (closed.get()) {
            throw new IllegalStateException("the WebRTC peers are closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("connecting was started before");
        }
        if (relay != null) {
            candidatesForA = new RelayCandidates(relay.facingAPort());
            candidatesForB = new RelayCandidates(relay.facingBPort());
        }
        CompletableFuture<Void> negotiated = CompletableFuture.<Void>completedFuture(null)
                .thenComposeAsync(v -> step(() -> {
                    CompletableFuture<RTCSessionDescription> offer = new CompletableFuture<>();
                    peerA.createOffer(new RTCOfferOptions(), Negotiation.created(offer, "A could not create the offer"));
                    return offer;
                }), signaling)
                .thenComposeAsync(offer -> step(() -> setLocal(peerA, offer, "A")).thenApply(v -> offer), signaling)
                .thenComposeAsync(offer -> step(() -> setRemote(peerB, forB(offer), "B", remoteSetB)), signaling)
                .thenComposeAsync(v -> step(() -> {
                    CompletableFuture<RTCSessionDescription> answer = new CompletableFuture<>();
                    peerB.createAnswer(new RTCAnswerOptions(), Negotiation.created(answer, "B could not create the answer"));
                    return answer;
                }), signaling)
                .thenComposeAsync(answer -> step(() -> setLocal(peerB, answer, "B")).thenApply(v -> answer),
                        signaling)
                .thenComposeAsync(answer -> step(() -> setRemote(peerA, forA(answer), "A", remoteSetA)), signaling);
        CompletableFuture<?>[] parts = {negotiated, connectedA, connectedB, openA, openB, echoOpenA, echoOpenB};
        for (CompletableFuture<?> part : parts) {
            part.whenComplete((v, failure) -> {
                if (failure != null) {
                    ready.completeExceptionally(unwrap(failure));
                }
            });
        }
        CompletableFuture.allOf(parts).thenRun(() -> ready.complete(null));
        return ready;
    }

    private WebRtcPeers await(CompletableFuture<Void> connected, Duration timeout) throws InterruptedException {
        try {
            connected.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return this;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the WebRTC peers did not connect within " + timeout + "; " + describe()
                    + (candidatesForA != null ? " (through the relay: is it blackholed, lossy or closed?)" : ""));
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            throw new IllegalStateException("the WebRTC peers did not connect: " + cause.getMessage() + "; "
                    + describe(), cause);
        }
    }

    /** Runs a step of the negotiation on the signalling thread, unless the peers were closed. */
    private <T> CompletableFuture<T> step(Supplier<CompletableFuture<T>> call) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed while connecting"));
        }
        return call.get();
    }

    private static CompletableFuture<Void> setLocal(RTCPeerConnection peer, RTCSessionDescription description,
                                                    String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        peer.setLocalDescription(description, Negotiation.set(done, name + " could not set its local description"));
        return done;
    }

    private static CompletableFuture<Void> setRemote(RTCPeerConnection peer, RTCSessionDescription description,
                                                     String name, CompletableFuture<Void> remoteSet) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        peer.setRemoteDescription(description, Negotiation.set(done, name + " could not set its remote description"));
        // Candidates wait for the remote description: adding one before it fails.
        return done.whenComplete((v, failure) -> {
            if (failure == null) {
                remoteSet.complete(null);
            }
        });
    }

    private RTCSessionDescription forA(RTCSessionDescription answer) {
        RelayCandidates rewriter = candidatesForA;
        return rewriter == null ? answer : new RTCSessionDescription(answer.sdpType, rewriter.rewriteSdp(answer.sdp));
    }

    private RTCSessionDescription forB(RTCSessionDescription offer) {
        RelayCandidates rewriter = candidatesForB;
        return rewriter == null ? offer : new RTCSessionDescription(offer.sdpType, rewriter.rewriteSdp(offer.sdp));
    }

    /** Called on the native thread: rewrites and queues the candidate for the other peer. */
    private void candidateGathered(boolean fromA, RTCIceCandidate candidate) {
        RelayCandidates rewriter = fromA ? candidatesForB : candidatesForA;
        String sdp = candidate.sdp;
        if (rewriter != null) {
            sdp = rewriter.rewrite(sdp).orElse(null);
            if (sdp == null) {
                return;
            }
        }
        RTCIceCandidate forward = new RTCIceCandidate(candidate.sdpMid, candidate.sdpMLineIndex, sdp);
        RTCPeerConnection target = fromA ? peerB : peerA;
        (fromA ? remoteSetB : remoteSetA).thenRunAsync(() -> {
            if (!closed.get()) {
                target.addIceCandidate(forward);
            }
        }, signaling);
    }

    private void teardown() {
        try {
            closeAll(java.util.Arrays.asList(channelA, channelB, echoChannelA, echoChannelB), peerA, peerB, factory,
                    audio);
        } finally {
            tornDown.complete(null);
        }
    }

    private static void closeAll(java.util.List<@Nullable RTCDataChannel> channels,
                                 @Nullable RTCPeerConnection peerA, @Nullable RTCPeerConnection peerB,
                                 @Nullable PeerConnectionFactory factory, @Nullable HeadlessAudioDeviceModule audio) {
        channels.forEach(WebRtcPeers::closeChannel);
        Negotiation.quietly(peerA, RTCPeerConnection::close);
        Negotiation.quietly(peerB, RTCPeerConnection::close);
        Negotiation.quietly(factory, PeerConnectionFactory::dispose);
        Negotiation.quietly(audio, HeadlessAudioDeviceModule::dispose);
    }

    private static void closeChannel(@Nullable RTCDataChannel channel) {
        Negotiation.quietly(channel, RTCDataChannel::unregisterObserver);
        Negotiation.quietly(channel, RTCDataChannel::close);
        Negotiation.quietly(channel, RTCDataChannel::dispose);
    }

    private void send(RTCDataChannel channel, String text) {
        try {
            channel.send(new RTCDataChannelBuffer(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), false));
        } catch (Exception e) {
            throw new IllegalStateException("could not send on the data channel; " + describe(), e);
        }
    }

    private static boolean awaitMessage(BlockingQueue<String> inbox, String expected, long deadline)
            throws InterruptedException {
        while (true) {
            String received = inbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (received == null) {
                return false;
            }
            if (received.equals(expected)) {
                return true;
            }
        }
    }

    private String describe() {
        RTCDataChannel b = channelB;
        return "A " + stateA + ", B " + stateB + ", channel A " + (openA.isDone() ? "open" : "not open")
                + ", channel B " + (b == null ? "not received" : openB.isDone() ? "open" : "not open")
                + (echoOpenA.isDone() && echoOpenB.isDone() ? "" : ", echo channel not open");
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static void requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    private static String text(RTCDataChannelBuffer buffer) {
        ByteBuffer data = buffer.data.duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Callbacks of one peer connection, on the native thread: hand over and return. */
    private final class PeerObserver implements PeerConnectionObserver {
        private final boolean isA;

        PeerObserver(boolean isA) {
            this.isA = isA;
        }

        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            candidateGathered(isA, candidate);
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState state) {
            if (isA) {
                stateA = state.name();
                synchronized (stateListenersA) {
                    reportedA = state;
                    stateListenersA.forEach(listener -> listener.accept(state));
                }
            } else {
                stateB = state.name();
            }
            CompletableFuture<Void> connected = isA ? connectedA : connectedB;
            if (state == RTCPeerConnectionState.CONNECTED) {
                connected.complete(null);
            } else if (state == RTCPeerConnectionState.FAILED) {
                connected.completeExceptionally(new IllegalStateException(
                        "the connection of peer " + (isA ? "A" : "B") + " failed"));
            }
        }

        @Override
        public void onIceConnectionChange(RTCIceConnectionState state) {
            // the connection state above says enough
        }

        @Override
        public void onDataChannel(RTCDataChannel channel) {
            if (isA || channelB != null) {
                return;
            }
            channelB = channel;
            observe(channel, false, openB, false);
        }
    }

    /** Callbacks of one end of a data channel, on the native thread. */
    private final class ChannelObserver implements RTCDataChannelObserver {
        private final RTCDataChannel channel;
        private final boolean isA;
        private final CompletableFuture<Void> open;
        /** The echo channel: an echo back after its timeout is dropped, not queued for {@link #echo}. */
        private final boolean echoOnly;

        ChannelObserver(RTCDataChannel channel, boolean isA, CompletableFuture<Void> open, boolean echoOnly) {
            this.channel = channel;
            this.isA = isA;
            this.open = open;
            this.echoOnly = echoOnly;
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {
            // not needed
        }

        @Override
        public void onStateChange() {
            if (channel.getState() == RTCDataChannelState.OPEN) {
                open.complete(null);
            }
        }

        @Override
        public void onMessage(RTCDataChannelBuffer buffer) {
            long now = System.nanoTime();
            String message = text(buffer);
            boolean probe = message.startsWith(ECHO_PREFIX);
            if (isA) {
                PendingEcho pending = probe ? pendingEchoes.remove(message) : null;
                if (pending != null) {
                    pending.result().complete(Duration.ofNanos(now - pending.sentNanos()));
                } else if (!echoOnly) {
                    (probe ? echoes : inboxA).add(message);
                }
            } else if (probe) {
                signaling.execute(() -> {
                    if (!closed.get()) {
                        try {
                            channel.send(new RTCDataChannelBuffer(
                                    ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), false));
                        } catch (Exception lost) {
                            // the echo is lost; the caller's bounded wait reports it
                        }
                    }
                });
            } else {
                inboxB.add(message);
            }
        }
    }
}
