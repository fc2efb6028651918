package io.peerpulse.telemetry.shared;

/**
 * Well-formed UTF-16, the one check every module that takes or reads text applies: a lone surrogate (a high
 * one not followed by a low one, or a low one without a high one before it) cannot be encoded as UTF-8, so
 * each writer would replace it its own way.
 *
 * @since 0.1.0
 */
public final class Utf16 {

    private Utf16() {
    }

    /**
     * @param text any text
     * @return the index of the first lone surrogate, {@code -1} when the text is well-formed
     * @since 0.1.0
     */
    public static int firstLoneSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
