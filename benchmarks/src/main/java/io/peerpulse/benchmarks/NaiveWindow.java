package io.peerpulse.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A faithful port of the original browser feature: a boxed list with push/shift, and statistics
 * that sort a copy on every call.
 */
final class NaiveWindow {

    private final int maxSampleCount;
    private final List<Double> samples = new ArrayList<>();

    NaiveWindow(int maxSampleCount) {
        this.maxSampleCount = maxSampleCount;
    }

    void add(double rttMs) {
        samples.add(rttMs);
        if (samples.size() > maxSampleCount) {
            samples.remove(0); // Array.prototype.shift()
        }
    }

    /** min, max, mean, median, p95, p99 as the original computed them (sorted copy). */
    double[] stats() {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int n = sorted.size();
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new double[] {sorted.get(0), sorted.get(n - 1), sum / n, median, quantile(sorted, 0.95),
            quantile(sorted, 0.99)};
    }

    private static double quantile(List<Double> sorted, double q) {
        double h = q * (sorted.size() - 1);
        int low = (int) h;
        int high = Math.min(low + 1, sorted.size() - 1);
        return sorted.get(low) + (h - low) * (sorted.get(high) - sorted.get(low));
    }
}
