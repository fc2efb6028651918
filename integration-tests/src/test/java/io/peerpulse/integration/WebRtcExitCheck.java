package io.peerpulse.integration;

import io.peerpulse.lab.WebRtcPeers.Route;
import io.peerpulse.lab.ImpairmentRelay.Link;
import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.WebRtcPeers;
import java.time.Duration;

/** Child-JVM main of {@link WebRtcExitTest}: connects, echoes, closes, and returns without System.exit. */
final class WebRtcExitCheck {

    static final String DONE = "webrtc exit check: main returns";

    private WebRtcExitCheck() {
    }

    public static void main(String[] args) throws Exception {
        try (ImpairmentRelay relay = new ImpairmentRelay().impair(Link.roundTrip(Duration.ofMillis(10)));
             WebRtcPeers peers = WebRtcPeers.open(Route.through(relay).withTimeout(Duration.ofSeconds(10)))) {
            System.out.println("echo " + peers.echo(Duration.ofSeconds(10)));
        }
        try (WebRtcPeers peers = WebRtcPeers.open(Route.direct().withTimeout(Duration.ofSeconds(10)))) {
            peers.sendAndAwait("bye", Duration.ofSeconds(10));
        }
        System.out.println(DONE);
    }
}
