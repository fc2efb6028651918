package io.peerpulse.lab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import io.peerpulse.lab.WebRtcPeers.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One webrtc-java peer whose far end is a browser page: the page, its signalling and the Java
 * {@link RTCPeerConnection}, served on {@code 127.0.0.1} by the JDK's HTTP server.
 *
 * <pre>{@code
 * try (ImpairmentRelay relay = new ImpairmentRelay(1).impair(Link.roundTrip(Duration.ofMillis(80)));
 *      BrowserPeer peer = BrowserPeer.create(DataChannelProbe.browserScript(), BrowserPeer.PageOptions.defaults())) {
 *     DataChannelProbe probe = DataChannelProbe.open(peer.peerConnection()); // before connecting
 *     try (Chromium chromium = Chromium.launch(Chromium.find().orElseThrow(), peer.pageUri())) {
 *         peer.connect(Route.through(relay));
 *         ...
 *         String results = peer.finish(Duration.ofSeconds(10)); // the page's JSON
 *     }
 *     probe.close();
 * }
 * }</pre>
 *
 * <p><b>The page</b> ({@code /}) loads {@code peerpulse-probe.js} (the bytes given to
 * {@link #create}), opens the probe on its {@code RTCPeerConnection} and, beside it, runs a port of
 * the original browser feature: {@code getStats()} every {@link PageOptions#statsInterval()}, the
 * selected pair through the transport's {@code selectedCandidatePairId},
 * {@code currentRoundTripTime × 1000}, the last {@link PageOptions#maxSampleCount()} samples. Its results
 * are a JSON document {@code {"latency": <original feature>, "probe": <openProbe(...).getStats()>,
 * "probeCounters": {...}, "probeOpenedAtEpochMs": ..., "userAgent": "..."}}, the {@code latency} object in the
 * original export shape; {@code probeOpenedAtEpochMs} is when the page saw its probe channel open, on the page's
 * clock ({@code performance.timeOrigin + performance.now()}, fractional ms), like the probe's sample timestamps.
 *
 * <p><b>Signalling</b>, over HTTP: the Java side offers (its SDP carries its candidates: it waits
 * until gathering completes); the page long-polls {@code GET /offer}, answers with
 * {@code POST /answer}, trickles its candidates with {@code POST /candidate}, says {@code POST /event}
 * {@code open} when its probe channel opened, and long-polls {@code GET /command} for what to do
 * ({@code report}: post the results; {@code finish}: stop measuring, then post them) to
 * {@code POST /report}. Page errors come back on {@code POST /error} and fail the connection.
 * The Java side waits on futures only; every callback is handed to this class's own thread.
 *
 * <p><b>mDNS.</b> Chromium hides its host addresses behind random {@code ….local} names, as every
 * participant's browser does; the test browser is left that way. A name is never resolved: through
 * the relay, the browser's host candidate is rewritten to the relay's address (the name is dropped)
 * and the relay learns the browser's real address from its first packet; directly, the candidate is
 * passed on as it is, and the Java side learns the browser's address as a peer-reflexive candidate
 * from the browser's own connectivity checks, as a server reached by browsers does.
 *
 * <p><b>Close order:</b> stop what reads the connection and close probes on it, then {@link #close()}
 * (connection, factory, audio module, HTTP server), then the relay.
 *
 * <p><b>Why one class.</b> About 420 lines of code, one job: one Java peer negotiating with one page over
 * HTTP. The page server, the signalling long-polls, the relay rewrite of the page's mDNS candidates and the
 * results the page posts back all share one negotiation's state and its close order; split, each part would
 * need the others' half-built fields. What it shares with {@link WebRtcPeers} (the negotiation steps) is
 * already apart, in {@code Negotiation}.
 *
 * @since 0.1.0
 */
public final class BrowserPeer implements AutoCloseable {

    /** How long one long-poll of the page waits before it is answered empty (the page asks again). */
    private static final long LONG_POLL_SECONDS = 20;
    private static final AtomicLong INSTANCES = new AtomicLong();

    /**
     * What the page measures and how often.
     *
     * @param probeInterval  the page's probe pings, every this often
     * @param probeTimeout   how long the page's ping waits for its pong
     * @param statsInterval  the original feature's {@code getStats()} polls, every this often
     * @param maxSampleCount samples kept by both (the most recent); the page option {@code maxSamples}
     * @param probeStartedEarly whether the page calls the probe's {@code start()} right after {@code openProbe},
     *                       before its channel opens (the probe then pings the moment it opens), instead of when
     *                       the page sees the channel open
     * @since 0.1.0
     */
    public record PageOptions(Duration probeInterval, Duration probeTimeout, Duration statsInterval,
                              int maxSampleCount, boolean probeStartedEarly) {

        /**
         * Options whose page starts the probe when it sees the channel open.
         *
         * @param probeInterval  see the record description
         * @param probeTimeout   see the record description
         * @param statsInterval  see the record description
         * @param maxSampleCount see the record description
         * @throws IllegalArgumentException naming a value that is not positive
         * @since 0.1.0
         */
        public PageOptions(Duration probeInterval, Duration probeTimeout, Duration statsInterval, int maxSampleCount) {
            this(probeInterval, probeTimeout, statsInterval, maxSampleCount, false);
        }

        /**
         * Validates the values.
         *
         * @param probeInterval     see the record description
         * @param probeTimeout      see the record description
         * @param statsInterval     see the record description
         * @param maxSampleCount    see the record description
         * @param probeStartedEarly see the record description
         * @throws IllegalArgumentException naming a value that is not positive
         * @since 0.1.0
         */
        public PageOptions {
            for (Map.Entry<String, Duration> e : Map.of("probeInterval", probeInterval, "probeTimeout", probeTimeout,
                    "statsInterval", statsInterval).entrySet()) {
                if (e.getValue() == null || e.getValue().toMillis() < 1) {
                    throw new IllegalArgumentException(e.getKey() + " must be at least 1 ms: " + e.getValue());
                }
            }
            if (maxSampleCount < 1) {
                throw new IllegalArgumentException("maxSampleCount must be >= 1: " + maxSampleCount);
            }
        }

        /**
         * @return the original feature's settings: 1 s polls, 600 samples; probe pings time out after 800 ms
         * @since 0.1.0
         */
        public static PageOptions defaults() {
            return new PageOptions(Duration.ofSeconds(1), Duration.ofMillis(800), Duration.ofSeconds(1), 600);
        }

        /**
         * @param interval     the page's probe pings, every this often
         * @param pingTimeout  how long a ping waits for its pong (may exceed the interval: pings overlap)
         * @return these options with that probe pace
         * @since 0.1.0
         */
        public PageOptions withProbe(Duration interval, Duration pingTimeout) {
            return new PageOptions(interval, pingTimeout, statsInterval, maxSampleCount, probeStartedEarly);
        }

        /**
         * @return these options with the probe's {@code start()} called right after {@code openProbe}, before its
         *         channel opens
         * @since 0.1.0
         */
        public PageOptions withProbeStartedEarly() {
            return new PageOptions(probeInterval, probeTimeout, statsInterval, maxSampleCount, true);
        }

        String query() {
            return "probeInterval=" + probeInterval.toMillis() + "&probeTimeout=" + probeTimeout.toMillis()
                    + "&statsInterval=" + statsInterval.toMillis() + "&maxSamples=" + maxSampleCount
                    + (probeStartedEarly ? "&probeStart=early" : "");
        }
    }

    private final byte[] probeScript;
    private final PageOptions pageOptions;
    private final ExecutorService thread;
    private final ExecutorService http;
    private final HttpServer server;
    private final HeadlessAudioDeviceModule audio;
    private final PeerConnectionFactory factory;
    private final RTCPeerConnection peer;
    private final CompletableFuture<String> offer = new CompletableFuture<>();
    private final CompletableFuture<Void> gathered = new CompletableFuture<>();
    private final CompletableFuture<Void> remoteSet = new CompletableFuture<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> pageChannelOpen = new CompletableFuture<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> tornDown = new CompletableFuture<>();
    private final BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<String>> reports = new ConcurrentHashMap<>();
    private final AtomicLong commandIds = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable RelayCandidates candidatesForBrowser;
    private volatile @Nullable RelayCandidates candidatesForJava;
    private volatile String state = "NEW";

    private BrowserPeer(byte[] probeScript, PageOptions pageOptions) {
        this.probeScript = probeScript.clone();
        this.pageOptions = pageOptions;
        long id = INSTANCES.incrementAndGet();
        this.thread = Executors.newSingleThreadExecutor(daemon("peerpulse-browser-peer-" + id));
        this.http = Executors.newCachedThreadPool(daemon("peerpulse-browser-http-" + id));
        HttpServer httpServer = null;
        HeadlessAudioDeviceModule audioModule = null;
        PeerConnectionFactory peerFactory = null;
        RTCPeerConnection connection = null;
        try {
            httpServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            httpServer.setExecutor(http);
            audioModule = new HeadlessAudioDeviceModule();
            peerFactory = new PeerConnectionFactory(audioModule);
            connection = peerFactory.createPeerConnection(Negotiation.configuration(), new Observer());
        } catch (IOException | RuntimeException | Error e) {
            if (httpServer != null) {
                httpServer.stop(0);
            }
            Negotiation.quietly(connection, RTCPeerConnection::close);
            Negotiation.quietly(peerFactory, PeerConnectionFactory::dispose);
            Negotiation.quietly(audioModule, HeadlessAudioDeviceModule::dispose);
            thread.shutdown();
            http.shutdown();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start the page's HTTP server on 127.0.0.1", io);
            }
            throw (RuntimeException) (e instanceof RuntimeException ? e : new IllegalStateException(e));
        }
        this.server = httpServer;
        this.audio = audioModule;
        this.factory = peerFactory;
        this.peer = connection;
        routes();
        server.start();
    }

    /**
     * Creates the Java peer connection and starts serving the page; connects nothing yet. Open
     * probes or data channels on {@link #peerConnection()} before {@link #connect(Route)}: the offer
     * must carry them.
     *
     * @param probeScript the bytes of {@code peerpulse-probe.js} to serve (e.g.
     *                    {@code io.peerpulse.webrtc.DataChannelProbe.browserScript()})
     * @param pageOptions what the page measures
     * @return the peer; close it
     * @throws UncheckedIOException when the HTTP server cannot start
     * @throws UnsatisfiedLinkError when webrtc's native library cannot load (e.g. no libpulse0)
     * @since 0.1.0
     */
    public static BrowserPeer create(byte[] probeScript, PageOptions pageOptions) {
        return new BrowserPeer(Objects.requireNonNull(probeScript, "probeScript"),
                Objects.requireNonNull(pageOptions, "pageOptions"));
    }

    /**
     * @return the Java side's connection
     * @since 0.1.0
     */
    public RTCPeerConnection peerConnection() {
        return peer;
    }

    /**
     * @return the factory that made the Java side's connection
     * @since 0.1.0
     */
    public PeerConnectionFactory factory() {
        return factory;
    }

    /**
     * @return the page to open in the browser, on {@code 127.0.0.1}
     * @since 0.1.0
     */
    public URI pageUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/?" + pageOptions.query());
    }

    /**
     * Offers to the page along {@code route} and waits until the connection is {@code CONNECTED} and
     * the page's probe channel is open. Through a relay, the browser is B: it sends to
     * {@link ImpairmentRelay#facingBPort()}, the Java side to {@link ImpairmentRelay#facingAPort()}.
     *
     * @param route directly or through a (fresh) relay, and the timeout
     * @return this
     * @throws IllegalStateException when it does not connect in time, the page reported an error,
     *                               connecting was started before, or the peer is closed
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public BrowserPeer connect(Route route) throws InterruptedException {
        Objects.requireNonNull(route, "route");
        CompletableFuture<Void> done = connectAsync(route);
        try {
            done.get(route.timeout().toNanos(), TimeUnit.NANOSECONDS);
            return this;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the browser did not connect within " + route.timeout() + "; " + describe());
        } catch (ExecutionException e) {
            Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
            throw new IllegalStateException("the browser did not connect: " + cause.getMessage() + "; "
                    + describe(), cause);
        }
    }

    /**
     * Starts connecting without waiting (the route's timeout does not apply).
     *
     * @param route directly or through a (fresh) relay
     * @return completes when connected and the page's probe channel is open
     * @throws IllegalStateException when connecting was started before or the peer is closed
     * @since 0.1.0
     */
    public CompletableFuture<Void> connectAsync(Route route) {
        if (closed.get()) {
            throw new IllegalStateException("the browser peer is closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("connecting was started before");
        }
        ImpairmentRelay relay = Objects.requireNonNull(route, "route").relay();
        if (relay != null) {
            candidatesForBrowser = new RelayCandidates(relay.facingBPort());
            candidatesForJava = RelayCandidates.acceptingMdnsNames(relay.facingAPort());
        }
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        onThread(() -> peer.createOffer(new RTCOfferOptions(),
                Negotiation.created(created, "the Java side could not create the offer")));
        created.thenComposeAsync(description -> {
            CompletableFuture<Void> set = new CompletableFuture<>();
            peer.setLocalDescription(description, Negotiation.set(set, "the Java side could not set its offer"));
            return set;
        }, this::onThread).thenCompose(v -> gathered).thenRunAsync(() -> {
            // the local description now carries every gathered candidate
            String sdp = peer.getLocalDescription().sdp;
            RelayCandidates rewriter = candidatesForBrowser;
            offer.complete(rewriter == null ? sdp : rewriter.rewriteSdp(sdp));
        }, this::onThread).whenComplete((v, failure) -> {
            if (failure != null) {
                ready.completeExceptionally(failure);
            }
        });
        for (CompletableFuture<Void> part : java.util.List.of(connected, pageChannelOpen)) {
            part.whenComplete((v, failure) -> {
                if (failure != null) {
                    ready.completeExceptionally(failure);
                }
            });
        }
        CompletableFuture.allOf(connected, pageChannelOpen).thenRun(() -> ready.complete(null));
        return ready;
    }

    /**
     * Asks the page for its results now; it keeps measuring.
     *
     * @param timeout how long to wait for them
     * @return the page's results, a JSON document (see the class comment)
     * @throws IllegalStateException when the page does not answer in time
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public String report(Duration timeout) throws InterruptedException {
        return command("report", timeout);
    }

    /**
     * Tells the page to stop pinging and polling (it keeps answering pings), and returns its results.
     *
     * @param timeout how long to wait for them
     * @return the page's results, a JSON document (see the class comment)
     * @throws IllegalStateException when the page does not answer in time
     * @throws InterruptedException when interrupted while waiting
     * @since 0.1.0
     */
    public String finish(Duration timeout) throws InterruptedException {
        return command("finish", timeout);
    }

    /**
     * Closes the connection, the factory, the audio module and the HTTP server, in this order;
     * idempotent, never throws. Stop whatever reads the connection, and close probes on it, first.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            IllegalStateException closedFirst = new IllegalStateException("the browser peer was closed");
            ready.completeExceptionally(closedFirst);
            offer.completeExceptionally(closedFirst);
            reports.values().forEach(r -> r.completeExceptionally(closedFirst));
            try {
                thread.execute(this::teardown);
            } catch (RejectedExecutionException impossible) {
                teardown();
            }
            thread.shutdown();
        }
        Negotiation.awaitUninterruptibly(tornDown);
        server.stop(0);
        http.shutdownNow();
    }

    @Override
    public String toString() {
        return "BrowserPeer[" + describe() + (closed.get() ? ", closed" : "") + "]";
    }

    private String command(String action, Duration timeout) throws InterruptedException {
        if (closed.get()) {
            throw new IllegalStateException("the browser peer is closed");
        }
        String id = Long.toString(commandIds.incrementAndGet());
        CompletableFuture<String> result = new CompletableFuture<>();
        reports.put(id, result);
        commands.add(id + " " + action);
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the page did not " + action + " within " + timeout + "; " + describe());
        } catch (ExecutionException e) {
            Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
            throw new IllegalStateException("the page did not " + action + ": " + cause.getMessage(), cause);
        } finally {
            reports.remove(id);
        }
    }

    private void routes() {
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/", "/index.html" -> respond(exchange, 200, "text/html; charset=utf-8", resource("browser-peer.html"));
                case "/browser-peer.js" -> respond(exchange, 200, "text/javascript; charset=utf-8",
                        resource("browser-peer.js"));
                case "/peerpulse-probe.js" -> respond(exchange, 200, "text/javascript; charset=utf-8", probeScript);
                default -> respond(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/offer", exchange -> {
            String sdp;
            try {
                sdp = offer.get(LONG_POLL_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                respond(exchange, 204, "text/plain", new byte[0]); // the page asks again
                return;
            } catch (InterruptedException | ExecutionException e) {
                respond(exchange, 410, "text/plain", "closed".getBytes(StandardCharsets.UTF_8));
                return;
            }
            respond(exchange, 200, "application/sdp", sdp.getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/answer", exchange -> {
            String sdp = body(exchange);
            respond(exchange, 204, "text/plain", new byte[0]);
            onThread(() -> {
                RTCSessionDescription answer = new RTCSessionDescription(RTCSdpType.ANSWER, rewriteForJava(sdp));
                CompletableFuture<Void> set = new CompletableFuture<>();
                peer.setRemoteDescription(answer, Negotiation.set(set, "the Java side could not set the answer"));
                set.whenComplete((v, failure) -> {
                    if (failure == null) {
                        remoteSet.complete(null);
                    } else {
                        ready.completeExceptionally(failure);
                    }
                });
            });
        });
        server.createContext("/candidate", exchange -> {
            // three lines: sdpMid, sdpMLineIndex, the candidate attribute
            String[] lines = body(exchange).split("\n", 3);
            respond(exchange, 204, "text/plain", new byte[0]);
            if (lines.length < 3 || lines[2].isBlank()) {
                return;
            }
            RelayCandidates rewriter = candidatesForJava;
            String candidate = rewriter == null ? lines[2].strip() : rewriter.rewrite(lines[2].strip()).orElse(null);
            if (candidate == null) {
                return;
            }
            RTCIceCandidate forward = new RTCIceCandidate(lines[0], Integer.parseInt(lines[1].strip()), candidate);
            remoteSet.thenRunAsync(() -> {
                if (!closed.get()) {
                    peer.addIceCandidate(forward);
                }
            }, this::onThread);
        });
        server.createContext("/event", exchange -> {
            String event = body(exchange).strip();
            respond(exchange, 204, "text/plain", new byte[0]);
            if ("open".equals(event)) {
                pageChannelOpen.complete(null);
            }
        });
        server.createContext("/error", exchange -> {
            String error = body(exchange).strip();
            respond(exchange, 204, "text/plain", new byte[0]);
            IllegalStateException failure = new IllegalStateException("the page failed: " + error);
            ready.completeExceptionally(failure);
            reports.values().forEach(r -> r.completeExceptionally(failure));
        });
        server.createContext("/command", exchange -> {
            String next;
            try {
                next = commands.poll(LONG_POLL_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                next = null;
            }
            if (next == null) {
                respond(exchange, 204, "text/plain", new byte[0]);
            } else {
                respond(exchange, 200, "text/plain", next.getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/report", exchange -> {
            String id = exchange.getRequestURI().getQuery();
            String json = body(exchange);
            respond(exchange, 204, "text/plain", new byte[0]);
            CompletableFuture<String> waiting = id == null ? null : reports.get(id.replace("id=", ""));
            if (waiting != null) {
                waiting.complete(json);
            }
        });
    }

    private String rewriteForJava(String sdp) {
        RelayCandidates rewriter = candidatesForJava;
        return rewriter == null ? sdp : rewriter.rewriteSdp(sdp);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BrowserPeer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " missing next to BrowserPeer");
            }
            return in.readAllBytes();
        }
    }

    private static String body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (status == 204) {
            exchange.sendResponseHeaders(204, -1);
        } else {
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    private void onThread(Runnable task) {
        try {
            thread.execute(() -> {
                if (!closed.get()) {
                    task.run();
                }
            });
        } catch (RejectedExecutionException closedAlready) {
            // closed: what is left of the negotiation does not matter any more
        }
    }

    private void teardown() {
        try {
            Negotiation.quietly(peer, RTCPeerConnection::close);
            Negotiation.quietly(factory, PeerConnectionFactory::dispose);
            Negotiation.quietly(audio, HeadlessAudioDeviceModule::dispose);
        } finally {
            tornDown.complete(null);
        }
    }

    private String describe() {
        return "Java side " + state + ", offer " + (offer.isDone() ? "sent" : "not ready")
                + ", answer " + (remoteSet.isDone() ? "set" : "not received")
                + ", page probe channel " + (pageChannelOpen.isDone() ? "open" : "not open");
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong count = new AtomicLong();
        return task -> {
            Thread t = new Thread(task, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Callbacks of the Java connection, on webrtc's native thread: hand over and return. */
    private final class Observer implements PeerConnectionObserver {
        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            // not trickled: the offer waits for gathering and carries every candidate
        }

        @Override
        public void onIceGatheringChange(RTCIceGatheringState gatheringState) {
            if (gatheringState == RTCIceGatheringState.COMPLETE) {
                gathered.complete(null);
            }
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState connectionState) {
            state = connectionState.name();
            if (connectionState == RTCPeerConnectionState.CONNECTED) {
                connected.complete(null);
            } else if (connectionState == RTCPeerConnectionState.FAILED) {
                connected.completeExceptionally(new IllegalStateException("the Java side's connection failed"));
            }
        }
    }
}
