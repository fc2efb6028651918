package io.peerpulse.telemetry.internal;

/** Interpolation shared by the window and the session histogram. */
final class Quantiles {

    private Quantiles() {
    }

    /**
     * Linear interpolation as numpy computes it ({@code numpy.lib.function_base._lerp}): from the
     * nearer end, so that the result is exact at both ends and monotone in {@code t}.
     */
    static double lerp(double a, double b, double t) {
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }
}
