package io.peerpulse.session.spi;

import java.util.Map;
import java.util.Optional;

/**
 * Read-only settings handed to {@link SessionExporterProvider#create(ExportSettings)}: string
 * settings ({@code GameSession.Builder.exportSetting}) and typed objects
 * ({@code GameSession.Builder.exportAttribute}), e.g. a metrics registry.
 *
 * @since 0.1.0
 */
public interface ExportSettings {

    /**
     * A string setting: the session's setting of that key, else the system property of that key.
     *
     * @param key the key, e.g. {@code peerpulse.export.json.directory}
     * @return the value, empty when neither is set
     * @since 0.1.0
     */
    Optional<String> get(String key);

    /**
     * A typed attribute: the one given for exactly {@code type}, else the first one given that is an
     * instance of {@code type}.
     *
     * @param type the type asked for
     * @param <T>  the type
     * @return the attribute, empty when none fits
     * @since 0.1.0
     */
    <T> Optional<T> attribute(Class<T> type);

    /**
     * Settings with the given values, e.g. for an exporter's own tests; system properties still
     * answer keys missing from {@code settings}.
     *
     * @param settings   string settings; keys and values not blank / not null
     * @param attributes typed attributes, each value an instance of its key
     * @return the settings, copies of both maps
     * @throws IllegalArgumentException naming the key of a bad entry
     * @since 0.1.0
     */
    static ExportSettings of(Map<String, String> settings, Map<Class<?>, ?> attributes) {
        return MapExportSettings.of(settings, attributes);
    }
}
