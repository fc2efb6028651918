package io.peerpulse.session;

/**
 * Told of every change of a session's {@link ConnectionQuality}, in order, on the session's executor
 * (never on the polling thread); calls for one session never overlap. What it throws is logged.
 *
 * <p>{@code GameSession.close()} waits until the listeners were told every change (at most the exporter timeout),
 * so none is told after it returned. A listener may call any method of its session (or another's), {@code close()}
 * too, which then waits for no exporter or listener (they may need this very thread; they run after it returns), and
 * add or remove listeners: one added hears the next change, one removed while a change is being told may still hear
 * that one. An input that needs an open session (e.g. {@code beginRound}) throws an {@link IllegalStateException}
 * once it is closed.
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
