/**
 * PeerPulse testkit: helpers for tests of PeerPulse itself and of its plugins.
 *
 * <ul>
 *   <li>{@link io.peerpulse.testkit.VirtualScheduler}: a virtual-time
 *       {@link java.util.concurrent.ScheduledExecutorService} with its clock, so tests never sleep;</li>
 *   <li>{@link io.peerpulse.testkit.ScriptedRttSource}: an {@link io.peerpulse.telemetry.spi.RttSource}
 *       that answers from a script;</li>
 *   <li>{@link io.peerpulse.testkit.RttSourceContract}: the JUnit 5 contract test that an
 *       {@code RttSource} plugin's own test extends.</li>
 * </ul>
 *
 * @since 0.1.0
 */
module io.peerpulse.testkit {
    requires transitive io.peerpulse.telemetry;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;

    exports io.peerpulse.testkit;
}
