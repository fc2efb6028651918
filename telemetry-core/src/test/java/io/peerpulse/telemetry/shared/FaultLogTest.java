package io.peerpulse.telemetry.shared;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.telemetry.fixtures.LogCapture;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JVM-wide rate limit of plugin WARNINGs, in virtual time: many owners hitting one fault kind at once (a starved
 * machine) give one line and a summary, not one line each; each owner's count stays exact.
 */
class FaultLogTest {

    private static final System.Logger LOG = System.getLogger(FaultLogTest.class.getName());
    private static final String SOURCE = "RTT source com.acme.SlowSource";
    private static final String TIMED_OUT = "did not answer a read within readTimeout";

    @RegisterExtension
    final LogCapture logs = new LogCapture();
    /** This test's clock: its own JVM-wide state, whatever other tests log beside it. */
    private final VirtualScheduler time = new VirtualScheduler();

    private List<FaultLog> owners(int count) {
        List<FaultLog> owners = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            owners.add(new FaultLog(LOG, time.nanoClock(), "telemetry 'pair-" + i + "'", "telemetries"));
        }
        return owners;
    }

    private List<String> warnings() {
        return logs.warnings(FaultLogTest.class);
    }

    @Test
    void fiveHundredOwnersHittingOneFaultWithinAMinuteLogOneLineAndOneSummary() {
        List<FaultLog> owners = owners(500);
        long minute = Duration.ofSeconds(60).toNanos();
        long at = 0;
        for (int i = 0; i < owners.size(); i++) {
            long due = i * minute / 499; // owner i at i × 60 s / 499: the first at 0, the last at 60 s
            time.advance(Duration.ofNanos(due - at));
            at = due;
            owners.get(i).report(SOURCE, TIMED_OUT, () -> TIMED_OUT + " (1000 ms); the poll counts as failed", null);
        }

        List<String> lines = warnings();
        assertThat(lines).as("500 owners, one fault kind, within 60 s").hasSize(2);
        assertThat(lines.get(0)).isEqualTo(SOURCE + " of telemetry 'pair-0' " + TIMED_OUT
                + " (1000 ms); the poll counts as failed");
        assertThat(lines.get(1)).isEqualTo(SOURCE + ": " + TIMED_OUT + " 499 more times in the last 60 s, in 499 of"
                + " the JVM's telemetries, latest in telemetry 'pair-499' (500 in all)");
        for (int i = 0; i < owners.size(); i++) {
            assertThat(owners.get(i).count(SOURCE, TIMED_OUT)).as("owner %d's own count", i).isEqualTo(1);
        }
    }

    @Test
    void theSummarySaysHowManyOfHowManyInAllAndCountsEachOwnerOnce() {
        List<FaultLog> owners = owners(500);
        for (FaultLog owner : owners) {
            owner.report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null); // all 500 at t = 0
        }
        for (int i = 0; i < 10; i++) {
            time.advance(Duration.ofSeconds(5));
            owners.get(7).report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null); // one owner again and again
        }
        assertThat(warnings()).as("the first only, within the minute").hasSize(1);
        time.advance(Duration.ofSeconds(10)); // t = 60 s
        owners.get(7).report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null);

        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).contains(": " + TIMED_OUT + " 510 more times in the last 60 s, in 499 of the JVM's"
                + " telemetries, latest in telemetry 'pair-7' (511 in all)");
        assertThat(owners.get(7).count(SOURCE, TIMED_OUT)).isEqualTo(12);
        assertThat(owners.get(8).count(SOURCE, TIMED_OUT)).isEqualTo(1);

        // the next minute counts afresh: one owner, once
        time.advance(Duration.ofSeconds(60));
        owners.get(8).report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null);
        assertThat(warnings()).hasSize(3);
        assertThat(warnings().get(2)).contains(" 1 more time in the last 60 s, in 1 of the JVM's telemetries, latest in"
                + " telemetry 'pair-8' (512 in all)");
    }

    @Test
    void anotherFaultOrAnotherPluginStillLogsItsFirstLineAtOnce() {
        List<FaultLog> owners = owners(500);
        for (FaultLog owner : owners) {
            owner.report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null);
        }
        IllegalStateException boom = new IllegalStateException("boom");
        assertThat(owners.get(42).report(SOURCE, "threw in read()", () -> "threw in read(): boom", boom))
                .as("another fault of the same source").isTrue();
        assertThat(owners.get(43).report("RTT source com.acme.OtherSource", TIMED_OUT, () -> TIMED_OUT, null))
                .as("the same fault of another source").isTrue();
        assertThat(owners.get(44).report(SOURCE, "threw in read()", () -> "threw in read(): boom", boom)).isFalse();

        assertThat(warnings()).containsExactly(
                SOURCE + " of telemetry 'pair-0' " + TIMED_OUT,
                SOURCE + " of telemetry 'pair-42' threw in read(): boom",
                "RTT source com.acme.OtherSource of telemetry 'pair-43' " + TIMED_OUT);
        assertThat(logs.records()).filteredOn(r -> String.valueOf(r.getMessage()).contains("'pair-42'"))
                .singleElement().extracting(java.util.logging.LogRecord::getThrown)
                .as("the first line carries the stack trace").isSameAs(boom);
        assertThat(owners.get(44).count(SOURCE, "threw in read()")).isEqualTo(1);
        assertThat(owners.get(44).count(SOURCE, TIMED_OUT)).isEqualTo(1);
        assertThat(owners.get(44).count("RTT source com.acme.OtherSource", TIMED_OUT)).isZero();
    }

    @Test
    void anOwnerOnAnotherClockHasAJvmOfItsOwn() {
        owners(3).forEach(owner -> owner.report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null));
        VirtualScheduler otherTest = new VirtualScheduler();
        FaultLog elsewhere = new FaultLog(LOG, otherTest.nanoClock(), "telemetry 'mine'", "telemetries");

        assertThat(elsewhere.report(SOURCE, TIMED_OUT, () -> TIMED_OUT, null)).as("its first line").isTrue();
        assertThat(warnings()).containsExactly(SOURCE + " of telemetry 'pair-0' " + TIMED_OUT,
                SOURCE + " of telemetry 'mine' " + TIMED_OUT);
    }
}
