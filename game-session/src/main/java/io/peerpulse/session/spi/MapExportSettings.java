package io.peerpulse.session.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The implementation behind {@link ExportSettings#of}: immutable copies, validated on creation. It lives
 * in the SPI package so that the SPI needs nothing of the module's internals.
 */
final class MapExportSettings implements ExportSettings {

    private final Map<String, String> settings;
    private final Map<Class<?>, Object> attributes;

    private MapExportSettings(Map<String, String> settings, Map<Class<?>, Object> attributes) {
        this.settings = settings;
        this.attributes = attributes;
    }

    /** {@link ExportSettings#of}: both maps validated and copied, keeping their iteration order. */
    static MapExportSettings of(Map<String, String> settings, Map<Class<?>, ?> attributes) {
        if (settings == null) {
            throw new IllegalArgumentException("export settings must not be null");
        }
        if (attributes == null) {
            throw new IllegalArgumentException("export attributes must not be null");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        settings.forEach((key, value) -> {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("exportSetting key must not be blank, was "
                        + (key == null ? "null" : "'" + key + "'"));
            }
            if (value == null) {
                throw new IllegalArgumentException("exportSetting '" + key + "' must not have a null value");
            }
            copy.put(key, value);
        });
        Map<Class<?>, Object> typed = new LinkedHashMap<>();
        attributes.forEach((type, value) -> {
            if (type == null) {
                throw new IllegalArgumentException("exportAttribute type must not be null");
            }
            if (!type.isInstance(value)) {
                throw new IllegalArgumentException("exportAttribute " + type.getName() + " must be an instance of it, was "
                        + (value == null ? "null" : "a " + value.getClass().getName()));
            }
            typed.put(type, value);
        });
        return new MapExportSettings(Map.copyOf(copy), java.util.Collections.unmodifiableMap(typed));
    }

    @Override
    public Optional<String> get(String key) {
        Objects.requireNonNull(key, "key");
        String value = settings.get(key);
        return value != null ? Optional.of(value) : Optional.ofNullable(System.getProperty(key));
    }

    @Override
    public <T> Optional<T> attribute(Class<T> type) {
        Objects.requireNonNull(type, "type");
        Object exact = attributes.get(type);
        if (exact != null) {
            return Optional.of(type.cast(exact));
        }
        return attributes.values().stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    @Override
    public String toString() {
        // values may be paths or secrets: keys and types only
        return "ExportSettings[keys=" + settings.keySet() + ", attributes="
                + attributes.keySet().stream().map(Class::getName).toList() + "]";
    }
}
