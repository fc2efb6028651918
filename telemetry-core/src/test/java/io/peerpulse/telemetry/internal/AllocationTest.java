package io.peerpulse.telemetry.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/** Recording a sample allocates nothing: counted in bytes by the JVM, not timed. */
class AllocationTest {

    @Test
    void recordingIntoAFullWindowAndTheSessionHistogramAllocatesNothing() throws Exception {
        // java.management through reflection: this module reads java.base only, and tests run inside it
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        long thread = Thread.currentThread().getId();

        RttWindow window = new RttWindow(600);
        SessionHistogram session = new SessionHistogram();
        double[] values = new double[4096];
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = RttWindowTest.randomRtt(random);
        }
        record(window, session, values, 200_000); // warm up: fill the window, let the JIT compile

        long before = (long) allocated.invoke(threads, thread);
        record(window, session, values, 1_000_000);
        long after = (long) allocated.invoke(threads, thread);

        // The two reflective calls allocate a little themselves (boxing, varargs): a fixed few hundred
        // bytes, whereas one allocation per sample would be at least 16 MB here.
        assertThat(after - before).isLessThan(4_096);
    }

    /** The same through the public record: apply() of prepared events, as a session applies a poller's events. */
    @Test
    void applyingMeasuredEventsToAFullRecordAllocatesNothing() throws Exception {
        Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        long thread = Thread.currentThread().getId();

        io.peerpulse.telemetry.LatencyRecord record = new io.peerpulse.telemetry.LatencyRecord(600);
        io.peerpulse.telemetry.PollEvent[] events = new io.peerpulse.telemetry.PollEvent[4096];
        java.util.SplittableRandom random = new java.util.SplittableRandom(2);
        for (int i = 0; i < events.length; i++) {
            events[i] = i % 5 == 0
                    ? new io.peerpulse.telemetry.PollEvent(io.peerpulse.telemetry.PollOutcome.STALE, i, null, null, null)
                    : new io.peerpulse.telemetry.PollEvent(io.peerpulse.telemetry.PollOutcome.MEASURED, i,
                            sample(i, RttWindowTest.randomRtt(random)), null, null);
        }
        apply(record, events, 200_000);

        long before = (long) allocated.invoke(threads, thread);
        apply(record, events, 1_000_000);
        long after = (long) allocated.invoke(threads, thread);

        assertThat(after - before).isLessThan(4_096);
    }

    private static void apply(io.peerpulse.telemetry.LatencyRecord record, io.peerpulse.telemetry.PollEvent[] events,
                              int n) {
        for (int i = 0; i < n; i++) {
            record.apply(events[i & (events.length - 1)]);
        }
    }

    private static void record(RttWindow window, SessionHistogram session, double[] values, int n) {
        for (int i = 0; i < n; i++) {
            double v = values[i & (values.length - 1)];
            window.add(i, v);
            session.record(v);
        }
    }
}
