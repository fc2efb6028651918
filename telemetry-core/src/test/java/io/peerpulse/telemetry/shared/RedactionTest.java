package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "peer left|peer left",
            "lost 192.168.1.20 after 3 s|lost <redacted> after 3 s",
            "relay 10.0.0.1:3478 timed out|relay <redacted> timed out",
            "v6 [2001:db8::1]:5000 down|v6 <redacted> down",
            "from fe80::1%eth0, then 2001:0db8:85a3:0000:0000:8a2e:0370:7334|from <redacted>, then <redacted>",
            "mapped ::ffff:192.0.2.1 gone|mapped <redacted> gone",
            "host=203.0.113.9;retry|host=<redacted>;retry",
            "at 12:30:45 the peer left|at 12:30:45 the peer left",
            "round 3 of 10, 2026-01-01T12:30:45Z|round 3 of 10, 2026-01-01T12:30:45Z",
            "game:room:42 closed|game:room:42 closed"
    })
    void redactsAddressLikeWordsOnly(String reason, String expected) {
        assertThat(Redaction.redact(reason)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "candidate:842163049 1 udp 1677729535 198.51.100.7 54400 typ srflx",
            "a=Candidate:1 1 UDP 2122260223 10.0.0.2 5000 typ host"})
    void replacesAWholeTextHoldingACandidate(String reason) {
        assertThat(Redaction.redact(reason)).isEqualTo(Redaction.REDACTED_CANDIDATE);
        assertThat(Redaction.looksLikeAddress(reason)).isTrue();
    }

    @Test
    void cutsLongTextReplacesControlCharactersAndKeepsNull() {
        assertThat(Redaction.redact("x".repeat(500))).hasSize(Redaction.MAX_LENGTH);
        assertThat(Redaction.redact("a\nb\tc")).isEqualTo("a b c");
        assertThat(Redaction.redact(null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp-42-pair-7", "123e4567-e89b-12d3-a456-426614174000", "2026-01-01T12:30:45Z",
            "game:room:42", "p1"})
    void ordinaryIdsDoNotLookLikeAddresses(String id) {
        assertThat(Redaction.looksLikeAddress(id)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "session-192.168.0.1", "::1", "fe80::abcd", "1:2:3:4:5:6:7:8"})
    void addressesLookLikeAddresses(String id) {
        assertThat(Redaction.looksLikeAddress(id)).isTrue();
    }

    @Test
    void freeTextGetsOneWellFormedFormWhateverItHolds() {
        assertThat(Redaction.redact("a\uD800b\uDC00c")).isEqualTo("a\uFFFDb\uFFFDc");
        assertThat(Redaction.redact("pair \uD83C\uDFAE kept")).isEqualTo("pair \uD83C\uDFAE kept");
        assertThat(Redaction.redact("end\uD83C")).isEqualTo("end\uFFFD");
        // a pair across the cut is not split into a lone half
        String cut = Redaction.redact("x".repeat(Redaction.MAX_LENGTH - 1) + "\uD83C\uDFAE");
        assertThat(cut).isEqualTo("x".repeat(Redaction.MAX_LENGTH - 1));
        // the rule is idempotent: a recovered event, made again from the journaled text, is the live one
        for (String text : new String[] {"probe via 10.1.2.3:5000", "a\uD800", "candidate:1 1 udp 2 10.0.0.2 5 typ host",
                "x".repeat(300), "tab\there"}) {
            assertThat(Redaction.redact(Redaction.redact(text))).isEqualTo(Redaction.redact(text));
        }
    }

    /**
     * An id holding a number labelled as a port is refused (eb221dc) with a message that says so: before, it said
     * "must not contain an IP address or ICE candidate" for an id that holds neither, and the value is not echoed,
     * so the caller could not see what to change.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lan-party port 27015", "server port:5000", "relay rport 3478"})
    void anIdWithALabelledPortIsRefusedNamingThePortNotAnIpAddress(String id) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Redaction.checkId("sessionId", id, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sessionId must not contain a number labelled as a port")
                .hasMessageNotContaining("IP address")
                .hasMessageNotContaining(id);
    }

    @Test
    void anIdWithAnAddressAndAPortIsRefusedNamingTheAddress() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Redaction.checkId("sessionId", "relay 10.0.0.1 port 3478", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sessionId must not contain an IP address or ICE candidate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\uD800", "\uDC00b", "x\uDC00\uD800y"})
    void anIdWithALoneSurrogateIsRefusedNamingFieldAndIndex(String id) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Redaction.checkId("sessionId", id, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sessionId must be well-formed UTF-16, has a lone surrogate U+D")
                .hasMessageContaining("at index");
    }

    @Test
    void anIdWithAPairIsKept() {
        Redaction.checkId("playerId", "player \uD83C\uDFAE", false);
    }

    @Test
    void aThrowableIsCopiedWithEveryMessageRedactedAndItsTraceKept() {
        IllegalStateException root = new IllegalStateException("no route to [2001:db8::7]:3478\nretry via 10.0.0.2");
        RuntimeException suppressed = new RuntimeException("turn:198.51.100.7:3478?transport=udp refused");
        RuntimeException top = new RuntimeException("ICE failed: a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host",
                root);
        top.addSuppressed(suppressed);
        Throwable safe = Redaction.redactThrown(top);

        java.io.StringWriter printed = new java.io.StringWriter();
        safe.printStackTrace(new java.io.PrintWriter(printed));
        assertThat(printed.toString())
                .doesNotContain("2001:db8::7").doesNotContain("10.0.0.2").doesNotContain("198.51.100.7")
                .doesNotContain("192.168.1.20").doesNotContain("54321").doesNotContainIgnoringCase("candidate:1")
                // what a reader needs stays: classes, the words around the addresses, the frames
                .contains("java.lang.RuntimeException: ICE failed: a=" + Redaction.REDACTED_CANDIDATE)
                .contains("Caused by: java.lang.IllegalStateException: no route to <redacted>\nretry via <redacted>")
                .contains("Suppressed: java.lang.RuntimeException: <redacted>=udp refused")
                .contains(RedactionTest.class.getName() + ".aThrowableIsCopiedWithEveryMessageRedactedAndItsTraceKept");
        assertThat(safe.getStackTrace()).isEqualTo(top.getStackTrace());
        assertThat(safe.getCause().getStackTrace()).isEqualTo(root.getStackTrace());
        assertThat(safe.getMessage()).isEqualTo("ICE failed: a=" + Redaction.REDACTED_CANDIDATE);
    }

    @Test
    void aThrowableWithoutAnAddressIsKeptAsItIs() {
        IllegalStateException cause = new IllegalStateException("disk full at 12:30:45");
        RuntimeException top = new RuntimeException("export failed", cause);
        assertThat(Redaction.redactThrown(top)).isSameAs(top);
    }

    @Test
    void aThrowableWhoseToStringFailsIsCopiedNamingItsClassInsteadOfFailingTheCaller() {
        RuntimeException broken = new RuntimeException("closed") {
            @Override
            public String toString() {
                throw new IllegalStateException("no toString today");
            }
        };
        Throwable safe = Redaction.redactThrown(new RuntimeException("wrapped", broken));
        assertThat(safe.getCause().toString()).isEqualTo(broken.getClass().getName() + " (its toString() failed)");
        assertThat(safe.getCause().getMessage()).isEqualTo("closed");
    }

    @Test
    void aThrowableWhoseToStringHoldsAnAddressIsRedactedToo() {
        RuntimeException odd = new RuntimeException("closed") {
            @Override
            public String toString() {
                return "PeerException[remote=10.1.2.3:5000]: closed";
            }
        };
        Throwable safe = Redaction.redactThrown(new RuntimeException("wrapped", odd));
        assertThat(safe.getCause().toString()).isEqualTo("PeerException[remote=<redacted> closed");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // reverse DNS names of residential and cloud addresses spell the address out
            "peer c-73-15-22-1.hsd1.ca.comcast.net left|peer <redacted> left",
            "via ec2-54-12-34-56.compute-1.amazonaws.com|via <redacted>",
            "lost 1-2-3-4.example.net, 203-0-113-9.static.isp.example.|lost <redacted>, <redacted>",
            "relay ip-10-0-0-1.ec2.internal down|relay <redacted> down"
    })
    void redactsAHostNameThatEmbedsAnIpv4Address(String reason, String expected) {
        assertThat(Redaction.redact(reason)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // a C++ or Java name is not an IPv6 address: a close reason from a native stack keeps it
            "GameServer::onDisconnect failed", "std::bad_alloc", "boost::asio::error::connection_reset",
            "Session::close(): peer left", "::abort() called",
            // dashes between numbers that are not an address in a host name
            "2026-12-07-12-30-45.log", "run-2026-12-07-1-2.json", "exp-1-2-3-4", "pair-256-1-2-3.x",
            "123e4567-e89b-12d3-a456-426614174000"})
    void keepsWhatOnlyResemblesAnAddress(String text) {
        assertThat(Redaction.redact(text)).isEqualTo(text);
        assertThat(Redaction.looksLikeAddress(text)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc::def", "::1", "x ::1", "[::1]:80", "fe80::1%eth0", "2001:db8::", "FE80::ABCD:1",
            "::ffff:1.2.3.4", "2001:db8::8a2e:370:7334", "id=::", "peer_fe80::1", "remote_2001:db8::1"})
    void compressedIpv6AddressesStillLookLikeAddresses(String text) {
        assertThat(Redaction.looksLikeAddress(text)).as(text).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // webrtc-java's RTCStats.toString() of a candidate, as a plugin's message or a close reason may quote it
            "no pair: type: REMOTE_CANDIDATE, address: \"192.0.2.2\", port: 57398, priority: 2122194687"
                    + "|no pair: type: REMOTE_CANDIDATE, address: \"<redacted>\", port: <redacted>, priority: 2122194687",
            "relay 10.0.0.1 port 3478 refused|relay <redacted> port <redacted> refused",
            "{\"ip\":\"10.0.0.1\",\"port\":5000}|{\"ip\":\"<redacted>\",\"port\":<redacted>}",
            "raddr 10.0.0.2 rport 5000, relatedPort=5001|raddr <redacted> rport <redacted>, relatedPort=<redacted>",
            "SDP m=application 54321 UDP/DTLS/SCTP webrtc-datachannel|SDP m=application <redacted> UDP/DTLS/SCTP webrtc-datachannel",
            // not a port: kept
            "transport: 2 of 3, report 7, support 5, airport 9, Report: 4|transport: 2 of 3, report 7, support 5, airport 9, Report: 4",
            "controller port 2 unplugged; m=application 9 UDP/DTLS/SCTP|controller port 2 unplugged; m=application 9 UDP/DTLS/SCTP"
    })
    void redactsANumberLabelledAsAPort(String text, String expected) {
        assertThat(Redaction.redact(text)).isEqualTo(expected);
        assertThat(Redaction.redact(expected)).isEqualTo(expected);
    }

    /** "Trojan Source": U+202E shows the rest of a log line or cell reversed, so an id could read as another. */
    @ParameterizedTest
    @ValueSource(strings = {"\u202E", "\u202A", "\u202D", "\u2066", "\u2069", "\u200E", "\u200F", "\u061C"})
    void refusesBidirectionalControlsInIdsAndSpacesThemInFreeText(String control) {
        String id = "pair-7" + control + "lanigiro";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Redaction.checkId("playerId", id, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("playerId must not contain bidirectional control characters")
                .hasMessageContaining("U+" + Integer.toHexString(control.charAt(0)).toUpperCase(java.util.Locale.ROOT)
                        + " at index 6");
        assertThat(Redaction.redact("peer" + control + "left")).isEqualTo("peer left");
        // not a control: right-to-left text itself, and the joiner of emoji sequences, stay
        Redaction.checkId("playerId", "\u05E9\u05DC\u05D5\u05DD \uD83D\uDC68\u200D\uD83D\uDCBB", false);
    }
}
