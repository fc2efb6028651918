package io.peerpulse.session;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * The session stopped measuring with its primary source and measures with the secondary one from then on,
 * for one of two verdicts: {@value #UNANSWERED} — the primary never measured within the fallback time (e.g.
 * the peer never answered the probe: an old client) while the secondary did; or {@value #SUSPECT} — the
 * primary read far below the secondary at the same moments (each of the secondary's latest 5 RTTs more than
 * max(5 ms, 10 % of it) above the median of the primary's RTTs measured since the secondary's previous one, which a
 * loaded machine cannot make: it only adds to a round trip): a probe whose peer forges its answers, checked
 * against the ICE agent's own round trips.
 *
 * @param fromSource        the primary source's name, e.g. {@code "probe"}
 * @param toSource          the secondary source's name, e.g. {@code "ice"}: {@code latency}'s samples from then on
 * @param timestampEpochMs  when the session fell back, epoch ms of the session clock
 * @param reason            why, for people, with the figures
 * @param verdict           {@value #UNANSWERED} or {@value #SUSPECT}; a file of an earlier version without it
 *                          reads as {@value #UNANSWERED}, the only verdict then
 * @param primaryMedianMs   for {@value #SUSPECT}: the median of the primary's RTTs compared (those of the 5
 *                          secondary RTTs' stretches; {@code reason} gives each stretch's), else {@code null}
 * @param secondaryMedianMs for {@value #SUSPECT}: the median of the secondary's latest 5 (the verdict compares each
 *                          of them, which {@code reason} gives), else {@code null}
 * @since 0.1.0
 */
public record SourceFallback(String fromSource, String toSource, long timestampEpochMs, String reason,
                             String verdict, @Nullable Double primaryMedianMs, @Nullable Double secondaryMedianMs) {

    /** The verdict for a primary that never measured in time. @since 0.1.0 */
    public static final String UNANSWERED = "unanswered";
    /** The verdict for a primary that read far below the secondary. @since 0.1.0 */
    public static final String SUSPECT = "suspect";

    /**
     * Checks the parts.
     *
     * @param fromSource        see the record description
     * @param toSource          see the record description
     * @param timestampEpochMs  see the record description
     * @param reason            see the record description
     * @param verdict           see the record description; {@code null} reads as {@value #UNANSWERED}
     * @param primaryMedianMs   see the record description
     * @param secondaryMedianMs see the record description
     * @throws NullPointerException     when a required component is null
     * @throws IllegalArgumentException when the verdict is another word
     * @since 0.1.0
     */
    public SourceFallback {
        Objects.requireNonNull(fromSource, "fromSource");
        Objects.requireNonNull(toSource, "toSource");
        Objects.requireNonNull(reason, "reason");
        if (verdict == null) {
            verdict = UNANSWERED;
        }
        if (!verdict.equals(UNANSWERED) && !verdict.equals(SUSPECT)) {
            throw new IllegalArgumentException("verdict must be '" + UNANSWERED + "' or '" + SUSPECT + "', was '"
                    + verdict + "'");
        }
    }
}
