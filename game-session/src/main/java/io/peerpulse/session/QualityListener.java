package io.peerpulse.session;

/**
 * Told of every change of a session's {@link ConnectionQuality}, in order, on the session's executor
 * (never on the polling thread); calls for one session never overlap. What it throws is logged.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface QualityListener {

    /**
     * The quality changed.
     *
     * @param change the change
     * @since 0.1.0
     */
    void qualityChanged(QualityChange change);
}
