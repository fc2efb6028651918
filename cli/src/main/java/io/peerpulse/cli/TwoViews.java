package io.peerpulse.cli;

import io.peerpulse.session.SecondaryLatency;
import io.peerpulse.session.SourceFallback;
import io.peerpulse.session.ValidationData;
import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.ProbeStats;
import java.io.PrintWriter;
import java.util.Locale;

/** The demo's lines about the views of RTT: which source measured, the probe's loss and offset, the ICE view. */
final class TwoViews {

    private TwoViews() {
    }

    /** Milliseconds to the microsecond, the probe's resolution. */
    private static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    static void print(PrintWriter console, ValidationData data, double injectedMs) {
        LatencyStats latency = data.latency();
        console.printf(Locale.ROOT, "%-6s %-32s %9s %9s %9s%n", "view", "", "median", "p95", "injected");
        if (latency != null) {
            console.printf(Locale.ROOT, "%-6s %-32s %9s %9s %9s%n", data.latencySource(),
                    "(latency, " + latency.sampleCount() + " samples)", ms(latency.medianMs()),
                    ms(latency.p95Ms()), ms(injectedMs));
        }
        SecondaryLatency secondary = data.secondary();
        if (secondary != null) {
            String samples = "(beside it, " + secondary.counters().measuredCount() + " of "
                    + secondary.counters().pollCount() + " polls fresh)";
            if (secondary.latency() == null) {
                console.printf(Locale.ROOT, "%-6s %-32s %9s%n", secondary.source(), samples, "-");
            } else {
                console.printf(Locale.ROOT, "%-6s %-32s %9s %9s %9s%n", secondary.source(), samples,
                        ms(secondary.latency().medianMs()), ms(secondary.latency().p95Ms()),
                        ms(injectedMs));
            }
        }
        ProbeStats probe = data.probe();
        if (probe != null) {
            console.printf(Locale.ROOT, "probe: %d pings, %d answered, %d lost, %d late, loss %s %%%n",
                    probe.sentCount(), probe.answeredCount(), probe.lostCount(), probe.lateCount(),
                    String.format(Locale.ROOT, "%.1f", probe.lossRatio() * 100));
            if (probe.offsetMs() != null) {
                console.printf(Locale.ROOT, "peer clock offset %s ms ± %s ms (0 expected: both peers in this JVM)%n",
                        ms(probe.offsetMs()), ms(probe.errorBoundMs()));
            }
        }
        SourceFallback fallback = data.fallback();
        if (fallback != null) {
            console.printf(Locale.ROOT, "fell back from %s to %s: %s%n", fallback.fromSource(), fallback.toSource(),
                    fallback.reason());
        }
    }
}
