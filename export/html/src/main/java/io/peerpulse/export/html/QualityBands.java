package io.peerpulse.export.html;

import static io.peerpulse.export.html.ChartScale.LEFT;
import static io.peerpulse.export.html.ChartScale.PLOT_WIDTH;
import static io.peerpulse.export.html.ChartScale.TOP;

import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityReason;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The connection quality along the top of the RTT chart: a band of {@value #HEIGHT} px per grade, from each
 * quality change to the next (the last to the session's end), coloured by grade, its title the grade and the
 * reasons the change gave. {@code UNKNOWN} (no sample yet) is left blank.
 *
 * <p>Its size is bounded like the samples' line: when there are more changes than the plot has pixel columns,
 * each column shows the worst grade any band reached in it, and neighbouring columns of one grade are one band
 * (titled with the grade only, since it may join several changes).
 */
final class QualityBands {

    /** The band's height, px. */
    static final int HEIGHT = 6;

    private QualityBands() {
    }

    /**
     * @param end      the session's end (or snapshot), a place in time as {@link Timeline}'s
     * @param timeline where each change lies
     */
    static void render(StringBuilder svg, List<QualityChange> changes, long end, ChartScale scale, Timeline timeline) {
        if (changes.isEmpty()) {
            return;
        }
        if (changes.size() <= PLOT_WIDTH) {
            for (int i = 0; i < changes.size(); i++) {
                QualityChange change = changes.get(i);
                long to = i + 1 < changes.size() ? timeline.change(changes.get(i + 1)) : end;
                String reasons = change.reasons().stream().map(QualityReason::text).collect(Collectors.joining("; "));
                band(svg, change.current(), scale.x(timeline.change(change)), scale.x(to),
                        change.current() + (reasons.isEmpty() ? "" : ": " + reasons));
            }
            return;
        }
        // the worst grade per pixel column, then runs of one grade
        int[] worst = new int[PLOT_WIDTH];
        java.util.Arrays.fill(worst, -1);
        for (int i = 0; i < changes.size(); i++) {
            QualityChange change = changes.get(i);
            long to = i + 1 < changes.size() ? timeline.change(changes.get(i + 1)) : end;
            int from = column(scale.x(timeline.change(change)));
            int until = Math.max(from, column(scale.x(to) - 1e-9));
            for (int c = from; c <= until; c++) {
                worst[c] = Math.max(worst[c], change.current().ordinal());
            }
        }
        ConnectionQuality[] grades = ConnectionQuality.values();
        for (int c = 0; c < PLOT_WIDTH; ) {
            int grade = worst[c];
            int run = c;
            while (run < PLOT_WIDTH && worst[run] == grade) {
                run++;
            }
            if (grade >= 0) {
                band(svg, grades[grade], LEFT + c, LEFT + run, grades[grade] + " (the worst in this stretch)");
            }
            c = run;
        }
    }

    private static int column(double x) {
        return (int) Math.max(0, Math.min(PLOT_WIDTH - 1, Math.floor(x - LEFT)));
    }

    private static void band(StringBuilder svg, ConnectionQuality grade, double x1, double x2, String title) {
        if (grade == ConnectionQuality.UNKNOWN) {
            return;
        }
        double from = Math.max(LEFT, x1);
        double to = Math.min(LEFT + PLOT_WIDTH, x2);
        svg.append(String.format(Locale.ROOT, "<rect class=\"q-%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
                + "<title>%s</title></rect>\n", grade, from, TOP - HEIGHT, Math.max(1, to - from), HEIGHT,
                HtmlReport.escape(title)));
    }
}
