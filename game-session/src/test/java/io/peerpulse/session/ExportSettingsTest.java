package io.peerpulse.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.spi.ExportSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportSettingsTest {

    @Test
    void aSessionSettingWinsOverTheSystemPropertyWhichAnswersTheRest() {
        String key = "peerpulse.test." + getClass().getSimpleName();
        System.setProperty(key, "from-property");
        System.setProperty(key + ".other", "other-property");
        try {
            ExportSettings settings = ExportSettings.of(Map.of(key, "from-session"), Map.of());
            assertThat(settings.get(key)).contains("from-session");
            assertThat(settings.get(key + ".other")).contains("other-property");
            assertThat(settings.get(key + ".missing")).isEmpty();
        } finally {
            System.clearProperty(key);
            System.clearProperty(key + ".other");
        }
    }

    @Test
    void anAttributeIsFoundByItsExactTypeElseByAnyInstance() {
        ExportSettings settings = ExportSettings.of(Map.of(), Map.of(CharSequence.class, "text", Integer.class, 42));
        assertThat(settings.attribute(CharSequence.class)).contains("text");
        assertThat(settings.attribute(Number.class)).contains(42);
        assertThat(settings.attribute(String.class)).contains("text");
        assertThat(settings.attribute(Thread.class)).isEmpty();
    }

    @Test
    void badEntriesNameTheirKey() {
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> ExportSettings.of(nullValue, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k'");
        assertThatThrownBy(() -> ExportSettings.of(Map.of(" ", "v"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key must not be blank");
        assertThatThrownBy(() -> ExportSettings.of(Map.of(), Map.of(Integer.class, "not a number")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Integer");
    }

    @Test
    void toStringShowsKeysButNeverValues() {
        ExportSettings settings = ExportSettings.of(Map.of("token", "secret-value"), Map.of());
        assertThat(settings.toString()).contains("token").doesNotContain("secret-value");
    }
}
