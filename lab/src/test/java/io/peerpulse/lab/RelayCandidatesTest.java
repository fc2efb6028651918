package io.peerpulse.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RelayCandidatesTest {

    private static final String HOST =
            "candidate:1 1 udp 2122260223 192.0.2.2 43121 typ host generation 0 ufrag abcd network-id 1";

    @Test
    void pointsTheFirstUdpIpv4HostCandidateAtTheRelay() {
        RelayCandidates candidates = new RelayCandidates(5000);
        assertThat(candidates.rewrite(HOST)).contains(
                "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation 0 ufrag abcd network-id 1");
        assertThat(candidates.rewrite("a=" + HOST)).as("the same candidate again, as an SDP line")
                .contains("a=candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation 0 ufrag abcd network-id 1");
    }

    @Test
    void dropsWhatCannotBeRouted() {
        RelayCandidates candidates = new RelayCandidates(5000);
        assertThat(candidates.rewrite("candidate:2 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active")).isEmpty();
        assertThat(candidates.rewrite("candidate:3 1 udp 2122262783 fd00::2 40000 typ host")).isEmpty();
        assertThat(candidates.rewrite("candidate:4 1 udp 2122262783 0a1b2c3d.local 40000 typ host")).isEmpty();
        assertThat(candidates.rewrite(
                "candidate:5 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 192.0.2.2 rport 43121")).isEmpty();
        assertThat(candidates.rewrite(HOST)).isPresent();
        assertThat(candidates.rewrite("candidate:6 1 udp 2122260223 198.51.100.7 40001 typ host"))
                .as("a second host candidate").isEmpty();
    }

    @Test
    void rewritesTheCandidateLinesOfAnSdp() {
        String sdp = "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" + "a=" + HOST + "\r\n"
                + "a=candidate:3 1 udp 2122262783 fd00::2 40000 typ host\r\na=mid:0\r\n";
        assertThat(new RelayCandidates(5000).rewriteSdp(sdp)).isEqualTo(
                "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                        + "a=candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation 0 ufrag abcd network-id 1\r\n"
                        + "a=mid:0\r\n");
    }
}
