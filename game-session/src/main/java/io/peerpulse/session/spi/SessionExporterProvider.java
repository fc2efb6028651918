package io.peerpulse.session.spi;

/**
 * Makes the {@link SessionExporter} of one session; found with {@link java.util.ServiceLoader}.
 *
 * <p>A provider module declares {@code provides io.peerpulse.session.spi.SessionExporterProvider with …}
 * and ships {@code META-INF/services/io.peerpulse.session.spi.SessionExporterProvider} for class-path
 * users. Check an exporter with the testkit's {@code SessionExporterContract}.
 *
 * @since 0.1.0
 */
public interface SessionExporterProvider {

    /**
     * The provider's unique name: lower-case letters, digits, {@code -} and {@code _}, starting with a
     * letter or digit, e.g. {@code json}. Sessions select exporters by this name.
     *
     * @return the name
     * @since 0.1.0
     */
    String name();

    /**
     * The setting keys this exporter reads, each under {@code peerpulse.export.<name>.}. When the set is not
     * empty, a session's {@code exportSetting} under that prefix that is not in it fails the session's
     * {@code build()}, naming the key and the closest known one (a typo must not send files elsewhere
     * silently). Empty, the default, leaves the prefix unchecked.
     *
     * @return the keys, e.g. {@code peerpulse.export.json.directory}
     * @since 0.1.0
     */
    default java.util.Set<String> settingKeys() {
        return java.util.Set.of();
    }

    /**
     * Makes the exporter of one session; called once per session when it is built.
     *
     * @param settings the session's export settings
     * @return a new exporter, used by that session only
     * @since 0.1.0
     */
    SessionExporter create(ExportSettings settings);
}
