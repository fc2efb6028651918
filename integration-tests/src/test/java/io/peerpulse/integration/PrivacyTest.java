package io.peerpulse.integration;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import io.peerpulse.export.csv.SessionReportCsv;
import io.peerpulse.export.json.SessionReportJson;
import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.session.GameSession;
import io.peerpulse.session.journal.SessionJournal;
import io.peerpulse.lab.ImpairmentRelay.Link;
import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.LatencyTelemetry;
import io.peerpulse.telemetry.TelemetryOptions;
import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.testkit.IpAddresses;
import io.peerpulse.lab.WebRtcPeers;
import io.peerpulse.webrtc.WebRtcRttSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Research participants' addresses never leave the process: not in a reading, a log line or a statistic. */
@Tag("integration")
class PrivacyTest {

    @Test
    void nothingFromARealConnectionContainsAnAddressPortOrCandidate() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Logger peerpulse = Logger.getLogger("io.peerpulse");
        Level previous = peerpulse.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                seen.add(String.valueOf(record.getMessage()) + " " + record.getThrown());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        peerpulse.setLevel(Level.ALL);
        peerpulse.addHandler(capture);
        try (ImpairmentRelay relay = new ImpairmentRelay(7).impair(Link.roundTrip(Duration.ofMillis(10)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            WebRtcRttSource webrtc = WebRtcRttSource.of(peers.peerA());
            RttSource recording = () -> {
                CompletionStage<RttReading> stage = webrtc.read();
                return stage.whenComplete((reading, error) -> seen.add(reading + " " + error));
            };
            Recorder recorder = new Recorder();
            LatencyTelemetry telemetry = new LatencyTelemetry(recording,
                    TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build());
            telemetry.addListener(recorder);
            telemetry.start();
            assertThat(recorder.awaitMeasured(2, Duration.ofSeconds(30))).isTrue();
            relay.blackhole(true); // unavailable and stale readings too
            int polls = recorder.polls().size();
            assertThat(recorder.await(p -> p.size() >= polls + 30, Duration.ofSeconds(30))).isTrue();
            peers.peerA().close(); // and readings of a closed connection
            int more = recorder.polls().size();
            assertThat(recorder.await(p -> p.size() >= more + 5, Duration.ofSeconds(30))).isTrue();
            telemetry.close();
            webrtc.close(); // before the peers close
            seen.add(String.valueOf(telemetry.getStats()));
            seen.add(String.valueOf(telemetry.getSessionStats()));
            seen.add(String.valueOf(telemetry.getCounters()));
            seen.add(String.valueOf(telemetry.getPath()));

            List<String> ports = new ArrayList<>(List.of(String.valueOf(relay.facingAPort()),
                    String.valueOf(relay.facingBPort())));
            relay.endpointA().ifPresent(a -> ports.add(String.valueOf(a.getPort())));
            relay.endpointB().ifPresent(b -> ports.add(String.valueOf(b.getPort())));
            assertThat(seen).hasSizeGreaterThan(40);
            assertThat(seen).allSatisfy(text -> {
                assertThat(IpAddresses.containsAny(text)).as("an address in: %s", text).isFalse();
                assertThat(text).doesNotContainIgnoringCase("candidate:").doesNotContain("typ host");
                for (String port : ports) {
                    assertThat(text).as("a port in: %s", text).doesNotContainPattern("(?<!\\d)" + port + "(?!\\d)");
                }
            });
        } finally {
            peerpulse.removeHandler(capture);
            peerpulse.setLevel(previous);
        }
    }

    /**
     * libwebrtc quotes the SDP line it cannot parse, and webrtc-java throws that as a {@code java.lang.Error}: a real
     * failure whose text holds a participant's address, port and candidate. The application closes the channel
     * with those words, and its source's close() fails with that error as the cause. Neither the exports, nor the
     * journal, nor a log line as a handler prints it (stack trace, causes) may hold any of it.
     */
    @Test
    void aRealWebRtcErrorQuotingAnAddressReachesNoExportJournalOrLogLine(@TempDir Path dir) throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Logger peerpulse = Logger.getLogger("io.peerpulse");
        Level previous = peerpulse.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                java.io.StringWriter line = new java.io.StringWriter();
                line.append(new java.util.logging.SimpleFormatter().formatMessage(record)).append('\n');
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new java.io.PrintWriter(line));
                }
                seen.add(line.toString());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        peerpulse.setLevel(Level.ALL);
        peerpulse.addHandler(capture);
        String id = "privacy-webrtc-error";
        String remotePort;
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Fixtures.CONNECT_TIMEOUT))) {
            RTCPeerConnection connection = peers.peerA();
            Throwable unparsable = webrtcError(connection, "c=IN IP4 203.0.113.9:54321\r\n");
            Throwable badCandidate = webrtcError(connection, "m=application 54321 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                    + "a=candidate:1 1 udp 2122260223 203.0.113.9 54321 typ hostx\r\n");
            assertThat(unparsable).as("the premise: webrtc-java quotes the line").hasMessageContaining("203.0.113.9:54321");
            assertThat(badCandidate).as("the premise").hasMessageContaining("candidate:1 1 udp");

            // webrtc-java's text of the connected remote candidate: its address and its port, "port: 57398"
            java.util.concurrent.CompletableFuture<dev.onvoid.webrtc.RTCStatsReport> report =
                    new java.util.concurrent.CompletableFuture<>();
            connection.getStats(report::complete);
            dev.onvoid.webrtc.RTCStats remote = report.get(30, TimeUnit.SECONDS).getStats().values().stream()
                    .filter(stats -> stats.getType() == dev.onvoid.webrtc.RTCStatsType.REMOTE_CANDIDATE)
                    .findFirst().orElseThrow();
            remotePort = String.valueOf(remote.getAttributes().get("port"));
            assertThat(remote.toString()).as("the premise").contains("port: " + remotePort);
            WebRtcRttSource ice = WebRtcRttSource.of(connection);
            RttSource application = new RttSource() {
                @Override
                public CompletionStage<RttReading> read() {
                    return ice.read();
                }

                @Override
                public String name() {
                    return "ice";
                }

                @Override
                public Duration refreshPeriod() {
                    return ice.refreshPeriod();
                }

                @Override
                public void close() {
                    ice.close();
                    throw new IllegalStateException("renegotiation failed; last pair " + remote, badCandidate);
                }
            };
            GameSession session = GameSession.builder(id).playerId("p1")
                    .telemetryOptions(TelemetryOptions.builder().pollInterval(Duration.ofMillis(200)).build())
                    .exportSetting(SessionReportJson.DIRECTORY_SETTING, dir.resolve("exports").toString())
                    .exportSetting(SessionReportCsv.DIRECTORY_SETTING, dir.resolve("exports").toString())
                    .exportSetting(SessionJournal.DIRECTORY_SETTING, dir.resolve("journal").toString())
                    .build();
            session.onDataChannelOpen(application);
            RecordingExporterProvider.firstSample(id).get(30, TimeUnit.SECONDS);
            session.onDataChannelClose(unparsable.getMessage()); // the application says why, in libwebrtc's words
            session.close();
            seen.add(String.valueOf(RecordingExporterProvider.REPORTS.get(id)));
        } finally {
            peerpulse.removeHandler(capture);
            peerpulse.setLevel(previous);
        }
        assertThat(seen).as("the close() failure was logged").anySatisfy(line -> assertThat(line)
                .contains("failed in close()", "renegotiation failed", "Create session description failed"));
        List<String> written = new ArrayList<>();
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                written.add(file + ": " + java.nio.file.Files.readString(file));
            }
        }
        assertThat(written).as("the exports and the journal").isNotEmpty();
        List<String> all = new ArrayList<>(seen);
        all.addAll(written);
        assertThat(all).allSatisfy(text -> {
            assertThat(IpAddresses.containsAny(text)).as("an address in: %s", text).isFalse();
            assertThat(text).doesNotContainIgnoringCase("candidate:").doesNotContain("54321")
                    .as("the remote candidate's port in: %s", text).doesNotContainPattern("(?<!\\d)" + remotePort + "(?!\\d)");
        });
    }

    /** What webrtc-java throws for a remote offer holding {@code lines}: libwebrtc's parse error. */
    private static Throwable webrtcError(RTCPeerConnection connection, String lines) {
        return org.assertj.core.api.Assertions.catchThrowable(() -> connection.setRemoteDescription(
                new RTCSessionDescription(RTCSdpType.OFFER, "v=0\r\no=- 1 2 IN IP4 203.0.113.9\r\ns=-\r\nt=0 0\r\n"
                        + lines), new SetSessionDescriptionObserver() {
                    @Override
                    public void onSuccess() {
                    }

                    @Override
                    public void onFailure(String error) {
                    }
                }));
    }
}
