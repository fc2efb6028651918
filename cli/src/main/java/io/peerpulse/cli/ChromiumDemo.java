package io.peerpulse.cli;

import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelInit;
import io.peerpulse.lab.BrowserPeer;
import io.peerpulse.lab.Chromium;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.SessionReport;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.webrtc.DataChannelProbe;
import io.peerpulse.webrtc.ProbeCounters;
import io.peerpulse.webrtc.WebRtcRttSource;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code peerpulse demo --peer chromium}: the demo's session with the far end in headless Chromium. The Java
 * side (a {@link GameSession} on the ICE view, a {@link DataChannelProbe}, a 60 Hz game loop on an ordered
 * channel) and the page ({@code peerpulse-probe.js} and the original browser feature) meet through the relay;
 * at the end both ends' views are printed side by side and the browser's export is written beside the Java
 * one ({@code <session>-browser.json}, the original {@code latency} shape that {@code summarize} reads).
 *
 * @since 0.1.0
 */
final class ChromiumDemo {

    /** Exit code when Chromium is missing: something the user must provide, as with bad input. */
    static final int NO_BROWSER = 2;

    private final DemoCommand demo;

    ChromiumDemo(DemoCommand demo) {
        this.demo = demo;
    }

    int run(PrintWriter console, PrintWriter err, String sessionId) throws Exception {
        Optional<Path> binary = Chromium.find();
        if (binary.isEmpty()) {
            err.println("peerpulse demo --peer chromium: " + Chromium.missingReason() + " (through the launcher: "
                    + Main.SYSTEM_PROPERTY_HINT.replace("key=value", Chromium.PROPERTY + "=<binary>") + ")");
            return NO_BROWSER;
        }
        console.printf(Locale.ROOT, "PeerPulse demo %s: a Java peer and headless Chromium through a relay injecting "
                        + "RTT %d ms, jitter %d ms, loss %s%%, for %s%n", sessionId, demo.rtt.toMillis(),
                demo.jitter.toMillis(), Values.ms(demo.loss * 100), Values.duration(demo.duration));
        try (ImpairmentRelay relay = new ImpairmentRelay(1)
                .impair(Link.roundTrip(demo.rtt).withJitter(demo.jitter.dividedBy(2)).withLoss(demo.loss));
             BrowserPeer peer = BrowserPeer.create(DataChannelProbe.browserScript(), BrowserPeer.PageOptions.defaults())) {
            DataChannelProbe probe = DataChannelProbe.open(peer.peerConnection());
            RTCDataChannelInit init = new RTCDataChannelInit();
            init.ordered = true;
            RTCDataChannel game = peer.peerConnection().createDataChannel("game", init);
            try (Chromium chromium = Chromium.launch(binary.get(), peer.pageUri())) {
                try {
                    peer.connect(Route.through(relay).withTimeout(Duration.ofSeconds(30)));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(e.getMessage() + "; chromium said: " + chromium.log(), e);
                }
                console.println("connected to Chromium; probe channels open on both ends");
                play(console, err, sessionId, peer, probe, game);
            } finally {
                probe.close();
                quietly(game::close);
                quietly(game::dispose);
            }
        }
        return 0;
    }

    private void play(PrintWriter console, PrintWriter err, String sessionId, BrowserPeer peer, DataChannelProbe probe,
                      RTCDataChannel game) throws Exception {
        long linesBefore = Outputs.size(demo.out.resolve(Outputs.JSONL_FILE));
        GameSession session = DemoCommand.exportInto(GameSession.builder(sessionId).playerId("java-peer"), demo.out)
                .build();
        Thread onShutdown = DemoCommand.closeOnShutdown(session, demo.out, console, err);
        LatencyTelemetry probeTelemetry = new LatencyTelemetry(probe);
        GameLoop loop = new GameLoop(); // failed sends not printed: the page reports how many inputs arrived
        String browserJson;
        try {
            session.onDataChannelOpen(WebRtcRttSource.of(peer.peerConnection()));
            probeTelemetry.start();
            long start = System.nanoTime();
            loop.start(game);
            for (long second = 1; second <= demo.duration.toSeconds(); second++) {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, start + TimeUnit.SECONDS.toNanos(second) - System.nanoTime()));
                console.printf(Locale.ROOT, "[%3ds] Java: ICE %6s ms, probe %7s ms | frames %d%n", second,
                        session.getLatencyStats().map(s -> Values.ms(last(s))).orElse("-"),
                        probeTelemetry.getStats().map(s -> Values.ms(last(s))).orElse("-"), loop.frames());
            }
        } finally {
            loop.stop();
            probeTelemetry.close();
            session.close();
            DemoCommand.closedInTime(onShutdown);
        }
        browserJson = peer.finish(Duration.ofSeconds(10));
        JsonObject browser;
        try (JsonReader reader = Json.createReader(new StringReader(browserJson))) {
            browser = reader.readObject();
        }
        SessionReport report = session.exportReport();
        print(console, report.sessionMetrics().latency(), probeTelemetry.getStats().orElse(null), probe.getCounters(),
                browser);
        Path browserFile = demo.out.resolve(sessionId + "-browser.json");
        JsonValue original = browser.get("latency");
        Files.writeString(browserFile, Json.createObjectBuilder().add("sessionId", sessionId)
                .add("playerId", "chromium").add("latency", original == null ? JsonValue.NULL : original)
                .add("probe", browser.getOrDefault("probe", JsonValue.NULL)).build().toString(), StandardCharsets.UTF_8);
        console.println("wrote " + browserFile.toAbsolutePath() + " (the browser's view, original export shape)");
        try (var files = Files.list(demo.out)) {
            files.filter(f -> f.getFileName().toString().startsWith(sessionId + "."))
                    .sorted().forEach(f -> console.println("wrote " + f.toAbsolutePath()));
        }
        DemoCommand.printAppended(console, demo.out, linesBefore);
    }

    private void print(PrintWriter console, LatencyStats javaIce, LatencyStats javaProbe, ProbeCounters counters,
                       JsonObject browser) {
        JsonObject original = browser.get("latency") instanceof JsonObject o ? o : null;
        JsonObject browserProbe = browser.get("probe") instanceof JsonObject o ? o : null;
        JsonObject browserCounters = browser.getJsonObject("probeCounters");
        console.println();
        console.printf(Locale.ROOT, "%-9s %12s %12s %16s %14s%n", "", "Java ICE", "Java probe", "browser original",
                "browser probe");
        console.printf(Locale.ROOT, "%-9s %12s %12s %16s %14s%n", "samples",
                javaIce == null ? "0" : javaIce.sampleCount(), javaProbe == null ? "0" : javaProbe.sampleCount(),
                original == null ? "0" : original.getInt("sampleCount"),
                browserProbe == null ? "0" : browserProbe.getInt("sampleCount"));
        for (String key : new String[] {"minMs", "medianMs", "meanMs", "maxMs"}) {
            console.printf(Locale.ROOT, "%-9s %12s %12s %16s %14s%n", key.replace("Ms", "") + " ms",
                    javaIce == null ? "-" : Values.ms(value(javaIce, key)),
                    javaProbe == null ? "-" : Values.ms(value(javaProbe, key)),
                    number(original, key), number(browserProbe, key));
        }
        console.printf(Locale.ROOT, "injected RTT %s ms; probe loss Java->browser->Java %d of %d, browser->Java->browser"
                        + " %d of %d; game inputs the browser received %d%n",
                Values.ms(demo.rtt.toNanos() / 1e6), counters.lostCount(),
                counters.answeredCount() + counters.lostCount(),
                browserCounters.getInt("lost"), browserCounters.getInt("answered") + browserCounters.getInt("lost"),
                browser.getInt("gameMessages", 0));
        String offset = offsetLine(browserProbe);
        if (offset != null) {
            console.println(offset);
        }
    }

    /**
     * @param browserProbe the browser probe's {@code getStats()}, or {@code null}
     * @return the line on the browser's clock offset, {@code null} when it has none; an offset the page marks unverified
     *         (from an exchange whose claimed hold was capped: the other side's claim) is printed without its bound
     */
    static @Nullable String offsetLine(@Nullable JsonObject browserProbe) {
        if (browserProbe == null || !(browserProbe.get("clockOffsetMs") instanceof JsonNumber offset)) {
            return null;
        }
        boolean verified = browserProbe.get("clockOffsetVerified") == JsonValue.TRUE;
        return String.format(Locale.ROOT, "the browser's clock minus the Java side's, as the browser sees it: %s ms %s",
                Values.ms(offset.doubleValue()), verified
                        ? "± " + Values.ms(browserProbe.getJsonNumber("clockOffsetErrorBoundMs").doubleValue()) + " ms"
                        : "(unverified: a hold the Java side claimed was capped; docs/PROBE-PROTOCOL.md, Trust model)");
    }

    private static double last(LatencyStats stats) {
        return stats.samples().get(stats.samples().size() - 1).rttMs();
    }

    private static double value(LatencyStats stats, String key) {
        return switch (key) {
            case "minMs" -> stats.minMs();
            case "medianMs" -> stats.medianMs();
            case "meanMs" -> stats.meanMs();
            default -> stats.maxMs();
        };
    }

    private static String number(JsonObject object, String key) {
        return object != null && object.get(key) instanceof JsonNumber n ? Values.ms(n.doubleValue()) : "-";
    }

    private static void quietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
    }
}
