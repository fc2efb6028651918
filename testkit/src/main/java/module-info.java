/**
 * PeerPulse testkit: what plugin authors and PeerPulse's own tests check plugins with.
 *
 * <ul>
 *   <li>{@link io.peerpulse.testkit.RttSourceContract}: the JUnit 5 contract test that an
 *       {@code RttSource} plugin's own test extends;</li>
 *   <li>{@link io.peerpulse.testkit.SessionExporterContract}: the JUnit 5 contract test that a
 *       {@code SessionExporter} plugin's own test extends;</li>
 *   <li>{@link io.peerpulse.testkit.ScriptedRttSource}: an {@link io.peerpulse.telemetry.spi.RttSource}
 *       that answers from a script;</li>
 *   <li>{@link io.peerpulse.testkit.SampleReports}: session reports made in virtual time, and copies of
 *       their records with values changed by component name;</li>
 *   <li>{@link io.peerpulse.testkit.RttSourceProviderContract}: the contract test of an
 *       {@code RttSourceProvider};</li>
 *   <li>{@link io.peerpulse.testkit.PluginDiscovery}: checks that a provider is found by
 *       {@code ServiceLoader} on the module path and on the class path;</li>
 *   <li>{@link io.peerpulse.testkit.IpAddresses}: finds IP addresses in text, for privacy checks.</li>
 * </ul>
 *
 * <p>Brings {@code io.peerpulse.virtualtime} (the virtual-time scheduler) transitively. The network
 * lab (relay, real peers) is the module {@code io.peerpulse.lab}.
 *
 * @uses io.peerpulse.telemetry.spi.RttSourceProvider
 * @uses io.peerpulse.session.spi.SessionExporterProvider
 * @since 0.1.0
 */
module io.peerpulse.testkit {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;
    requires transitive io.peerpulse.telemetry;
    // Transitive: SessionExporterContract's signatures use the session's SPI and report types.
    requires transitive io.peerpulse.session;
    requires transitive io.peerpulse.virtualtime;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;

    exports io.peerpulse.testkit;

    // PluginDiscovery loads the plugin points' providers
    uses io.peerpulse.telemetry.spi.RttSourceProvider;
    uses io.peerpulse.session.spi.SessionExporterProvider;
}
