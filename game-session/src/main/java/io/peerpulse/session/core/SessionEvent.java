package io.peerpulse.session.core;

import io.peerpulse.telemetry.shared.Redaction;
import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.ProbeStats;
import org.jspecify.annotations.Nullable;


/**
 * Every input to a session, stamped once with its time. A session's state changes only by
 * {@link SessionCore#apply(SessionEvent)}: the live session stamps each input under the core's lock and
 * applies it, its journal appends the same value, and a recovery decodes the journal and applies the same
 * values again, so the live report and the recovered one come from one code path. Code that handles events
 * implements {@link Handler}, one method per kind, so that a new kind of event is a compile error wherever
 * events are handled (Java 17 has no pattern {@code switch}).
 *
 * @since 0.1.0
 */
public sealed interface SessionEvent {

    /**
     * @return when the event happened
     * @since 0.1.0
     */
    Stamp at();

    /**
     * Calls the handler's method for this kind of event.
     *
     * @param handler the handler
     * @param <R>     what it answers
     * @return its answer
     * @since 0.1.0
     */
    <R> R accept(Handler<R> handler);

    /**
     * One method per kind of event.
     *
     * @param <R> what each method answers
     * @since 0.1.0
     */
    interface Handler<R> {
        /** @param event the event @return the answer */
        R opened(Opened event);

        /** @param event the event @return the answer */
        R polled(Polled event);

        /** @param event the event @return the answer */
        R probeRead(ProbeRead event);

        /** @param event the event @return the answer */
        R channelClosed(ChannelClosed event);

        /** @param event the event @return the answer */
        R roundBegan(RoundBegan event);

        /** @param event the event @return the answer */
        R roundEnded(RoundEnded event);

        /** @param event the event @return the answer */
        R ended(Ended event);
    }

    /**
     * An RTT source as the session knows it: its name and refresh period (nothing else of it is state).
     *
     * @param name         the source's {@code RttSource.name()} as free text by {@code Redaction}'s rule (so no
     *                     address), "unnamed" when blank
     * @param refreshNanos its {@code RttSource.refreshPeriod()}, ns, {@code >= 0}
     * @since 0.1.0
     */
    record Source(String name, long refreshNanos) {
        /** Applies the text rule to the name and checks the period: live and recovered events alike.
         * @since 0.1.0 */
        public Source {
            name = Redaction.redact(name);
            if (name == null || name.isBlank()) {
                name = "unnamed";
            }
            if (refreshNanos < 0) {
                throw new IllegalArgumentException("refreshNanos must be >= 0, was " + refreshNanos);
            }
        }
    }

    /** How a data channel opened.
     * @since 0.1.0 */
    enum OpenKind {
        /** The session's first open. */
        FIRST,
        /** The same source again, after a close. */
        SAME,
        /** Another source: a reconnection on a new connection. */
        NEW
    }

    /** Which view of the RTT a poll belongs to.
     * @since 0.1.0 */
    enum View {
        /** The view {@code latency} comes from. */
        PRIMARY,
        /** The second view polled beside it. */
        SECONDARY
    }

    /**
     * A data channel opened.
     *
     * @param at        when
     * @param kind      first open, reopening or reconnection
     * @param source    the primary source
     * @param secondary the secondary source opened beside it, {@code null} for none
     * @since 0.1.0
     */
    record Opened(Stamp at, OpenKind kind, Source source, @Nullable Source secondary) implements SessionEvent {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.opened(this);
        }
    }

    /**
     * A poll of one view ended; its {@link PollEvent#timestampEpochMs()} is the stamp's {@code epochMs}.
     *
     * @param at   when the session applied it
     * @param view the view
     * @param poll the poll, its path change relative to the session's state of that view
     * @since 0.1.0
     */
    record Polled(Stamp at, View view, PollEvent poll) implements SessionEvent {
        /** Checks the values.
         * @since 0.1.0 */
        public Polled {
            if (poll.timestampEpochMs() != at.epochMs()) {
                throw new IllegalArgumentException("the poll's time " + poll.timestampEpochMs()
                        + " is not the stamp's " + at.epochMs());
            }
        }

        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.polled(this);
        }
    }

    /**
     * The primary source's probe statistics as read at {@code at} (a data-channel probe's).
     *
     * @param at    when
     * @param stats the statistics
     * @since 0.1.0
     */
    record ProbeRead(Stamp at, ProbeStats stats) implements SessionEvent {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.probeRead(this);
        }
    }

    /**
     * The open data channel closed.
     *
     * @param at     when
     * @param reason why, as free text by {@code Redaction}'s rule; {@code null} when none was given
     * @since 0.1.0
     */
    record ChannelClosed(Stamp at, @Nullable String reason) implements SessionEvent {
        /** Applies the text rule to the reason: live and recovered events alike.
         * @since 0.1.0 */
        public ChannelClosed {
            reason = Redaction.redact(reason);
        }

        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.channelClosed(this);
        }
    }

    /**
     * The game began a round (ending one still open).
     *
     * @param at          when
     * @param roundNumber the game's number for it, {@code >= 0}
     * @since 0.1.0
     */
    record RoundBegan(Stamp at, int roundNumber) implements SessionEvent {
        /** Checks the values.
         * @since 0.1.0 */
        public RoundBegan {
            if (roundNumber < 0) {
                throw new IllegalArgumentException("roundNumber must be >= 0, was " + roundNumber);
            }
        }

        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.roundBegan(this);
        }
    }

    /**
     * The game ended the open round.
     *
     * @param at when
     * @since 0.1.0
     */
    record RoundEnded(Stamp at) implements SessionEvent {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.roundEnded(this);
        }
    }

    /**
     * The session ended ({@code close()}): nothing is applied after it.
     *
     * @param at when
     * @since 0.1.0
     */
    record Ended(Stamp at) implements SessionEvent {
        @Override
        public <R> R accept(Handler<R> handler) {
            return handler.ended(this);
        }
    }
}
