package io.peerpulse.benchmarks;

import io.peerpulse.telemetry.LatencyTelemetry;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained memory of one telemetry with a full window (JOL), without what every telemetry shares:
 * the scheduler, the clock, the options and the source.
 */
public final class MemoryFootprint {

    private MemoryFootprint() {
    }

    /**
     * Prints the bytes per telemetry for each window size given (default 60, 600, 36000).
     *
     * @param args window sizes
     */
    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {60, 600, 36_000}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.println("| window | bytes per telemetry (JOL) |");
        System.out.println("|---:|---:|");
        for (int size : sizes) {
            System.out.printf(Locale.ROOT, "| %d | %d |%n", size, bytesPerTelemetry(size));
        }
    }

    static long bytesPerTelemetry(int size) {
        LatencyTelemetry telemetry = Windows.fullTelemetry(size, Windows.rtts(size, 3));
        GraphLayout all = GraphLayout.parseInstance(telemetry);
        GraphLayout shared = GraphLayout.parseInstance(telemetry.options(), telemetry.source());
        return all.subtract(shared).totalSize();
    }
}
