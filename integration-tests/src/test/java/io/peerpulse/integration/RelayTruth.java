package io.peerpulse.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.lab.ImpairmentRelay;
import io.peerpulse.lab.ImpairmentRelay.Direction;
import io.peerpulse.lab.RelayRecord;
import io.peerpulse.lab.RelayRecord.Kind;
import io.peerpulse.lab.RelayRecord.RoundTrip;
import io.peerpulse.lab.RelayRecord.Spread;
import io.peerpulse.telemetry.RttSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What the relay really imposed during a test's measurement window, and the comparison of a measurement with it.
 * On a busy machine the relay's sender thread wakes late and the link really is slower than the nominal delay:
 * the measurement is right then, so tests compare it with this record, not with the delay they asked for.
 *
 * <p>{@code measured - truth} must lie in {@code [-below, +above]}, where {@code above} is the stated local
 * overhead (what the peers' own sockets and threads add, which the relay cannot see) plus the measurement's
 * resolution. Both stay below 2 ms, so a measurement shifted by 2 ms fails.
 *
 * @param all         the relay's whole record
 * @param record      the relay's record of the window
 * @param askedMs     the round trip the test asked for, ms (nominal)
 * @param epochOffsetNanos wall-clock time minus {@link System#nanoTime()}, to place samples (stamped in epoch ms)
 *                    among the relay's packets
 */
record RelayTruth(RelayRecord all, RelayRecord record, double askedMs, long epochOffsetNanos) {

    /** The relay's record between {@code fromNanos} and {@code toNanos}. */
    static RelayTruth of(ImpairmentRelay relay, long fromNanos, long toNanos) {
        ImpairmentRelay.Impairment ab = relay.impairment(Direction.A_TO_B);
        ImpairmentRelay.Impairment ba = relay.impairment(Direction.B_TO_A);
        RelayRecord all = relay.record();
        long before = System.nanoTime();
        long wall = System.currentTimeMillis();
        long after = System.nanoTime();
        return new RelayTruth(all, all.between(fromNanos, toNanos), (ab.delay().toNanos() + ba.delay().toNanos()) / 1e6,
                wall * 1_000_000 - (before + (after - before) / 2));
    }

    /** The round trips the relay imposed on A's ICE checks (STUN transactions A started, B answered). */
    List<RoundTrip> iceRoundTrips() {
        return record.stunRoundTrips(Direction.A_TO_B);
    }

    /** The spread of the round trips imposed on A's ICE checks. */
    Spread ice() {
        return record.stunRoundTripSpread(Direction.A_TO_B);
    }

    /**
     * The spread of the round trips the relay imposed on data-channel traffic (DTLS: the probe's pings and pongs
     * among it), from each direction's holds: those packets are encrypted, so they cannot be paired.
     */
    Spread dataChannel() {
        return record.only(Kind.OTHER).imposedRoundTrip();
    }

    /** The spread of A's ICE round trips as the relay saw them: imposed plus the far side's turnaround. */
    Spread iceSpan() {
        return iceSpan(Direction.A_TO_B);
    }

    /** The spread of one side's ICE round trips in the window as the relay saw them. */
    Spread iceSpan(Direction requests) {
        return Spread.ofNanos(record.stunRoundTrips(requests).stream().mapToLong(RoundTrip::spanNanos).toArray());
    }

    /**
     * Each ICE reading minus the round trip of exactly the checks it covers as the relay saw them, at the reading's
     * resolution ({@link #spanAtMillisecondResolution}: the actual holds of request and response, plus the far
     * side's turnaround from the relay sending the request to reading the response, which the relay recorded too;
     * what is left is the near side's own sockets and thread).
     *
     * <p>Paired by count, not by time. A reading is {@code Δ totalRoundTripTime / Δ responsesReceived} between
     * two stats reports of A's selected pair; {@code reads} ({@link CountedIce}) says the pair's
     * {@code responsesReceived} in the report of each. The relay forwards every response A gets (the only path),
     * so A's {@code n}-th response is the {@code n}-th response to A's checks the relay sent, and the reading whose
     * report counted {@code r} after a previous one counted {@code p} covers the relay's checks {@code p} to
     * {@code r - 1} in that order, whatever the load. A sample's time cannot say this: the telemetry stamps a
     * sample when the read completes, after the report was made (the stats thread's queue, and on a loaded machine
     * tens of milliseconds of scheduling), so a check answered in between was paired with the wrong reading.
     *
     * <p>Left out, so no pairing is guessed: a reading whose count, or whose predecessor's, is not exact (a
     * response arrived while it was read, {@link CountedIce.Read#exact()}), and the first reading of a pair (its
     * {@code currentRoundTripTime}, from a report whose predecessor the source may have seen without it). A count
     * that cannot line up with the relay's record (more responses than the relay forwarded, a last response the
     * relay sent after the report came, or a next one it sent more than {@value #ALIGNMENT_SLACK_MS} ms before
     * the read began, which A would have counted) fails: the record does not say what A received.
     *
     * @param samples the readings as the telemetry recorded them, each one of {@code reads}
     * @param reads   every measured reading of A's source, in order ({@link CountedIce#reads()})
     * @return the differences of the readings paired, ms, in order
     */
    double[] iceDifferences(List<RttSample> samples, List<CountedIce.Read> reads) {
        assertThat(all.overwrittenCount()).as("the relay's record holds every check from the first").isZero();
        List<RoundTrip> trips = all.stunRoundTrips(Direction.A_TO_B).stream()
                .sorted(Comparator.comparingLong(t -> t.response().sentNanos())).toList();
        List<Double> differences = new ArrayList<>();
        int next = 0;
        List<RttSample> sorted = samples.stream().sorted(Comparator.comparingLong(RttSample::timestampEpochMs)).toList();
        for (RttSample sample : sorted) {
            int k = next;
            while (k < reads.size() && reads.get(k).rttMs() != sample.rttMs()) {
                k++;
            }
            assertThat(k).as("sample %s is one of the source's readings %s", sample, reads).isLessThan(reads.size());
            next = k + 1;
            CountedIce.Read read = reads.get(k);
            if (read.exact()) {
                assertLinesUp(read, trips);
            }
            if (k == 0 || !read.exact() || !reads.get(k - 1).exact()
                    || !read.pairId().equals(reads.get(k - 1).pairId())) {
                continue;
            }
            List<RoundTrip> covered = trips.subList((int) reads.get(k - 1).before(), (int) read.before());
            assertThat(covered).as("a measured reading covers new responses: %s after %s", read, reads.get(k - 1))
                    .isNotEmpty();
            double seenMs = covered.stream().mapToLong(RelayTruth::spanAtMillisecondResolution).average().orElseThrow();
            differences.add(sample.rttMs() - seenMs);
        }
        return differences.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** How long before a read the relay may have sent a response that A had not counted yet, ms. */
    private static final long ALIGNMENT_SLACK_MS = 1_000;

    /** Fails unless an exact count of A's responses can be the relay's first {@code read.before()} responses. */
    private void assertLinesUp(CountedIce.Read read, List<RoundTrip> trips) {
        int count = (int) read.before();
        assertThat(count).as("A's responses %s within the relay's %d: %s", read, trips.size(), this)
                .isLessThanOrEqualTo(trips.size());
        if (count > 0) {
            assertThat(trips.get(count - 1).response().sentNanos() - read.toNanos())
                    .as("the relay sent A's last counted response before the report: %s", read).isNegative();
        }
        if (count < trips.size()) {
            assertThat(trips.get(count).response().sentNanos() - read.fromNanos())
                    .as("A had not counted a response the relay sent long before the read: %s", read)
                    .isGreaterThan(-ALIGNMENT_SLACK_MS * 1_000_000);
        }
    }

    /**
     * Asserts that the lower quartile of the ICE readings' differences from the round trips of exactly the checks
     * they cover as the relay saw them ({@link #iceDifferences}) lies in {@code [-belowMs, +aboveMs]}, and that at
     * least half of the readings but the first were paired. What is left in a difference is the near peer's own
     * sockets and thread, which the relay cannot see: never negative, 0 or 1 ms at this resolution, and on a busy
     * machine late by up to tens of milliseconds now and then, so the median moves; the lower quartile stays at
     * the quiet value, while a bias of PeerPulse's moves every difference, that quartile too
     * ({@link #lowerQuartile}: of fewer than four, the least).
     */
    void assertIceAgrees(String what, List<RttSample> samples, List<CountedIce.Read> reads, double belowMs,
                         double aboveMs) {
        double[] differences = iceDifferences(samples, reads);
        assertThat(differences.length).as("%s: readings paired with exactly the checks they cover, of %s; reads %s;"
                + " %s", what, samples, reads, this).isGreaterThanOrEqualTo(Math.max(1, samples.size() / 2));
        double[] sorted = differences.clone();
        Arrays.sort(sorted);
        double quartile = lowerQuartile(sorted);
        assertThat(quartile).as("%s: lower quartile of (reading - its checks' round trip as the relay saw it) %.3f ms"
                        + " must be in [-%.1f, +%.1f] ms; differences %s; samples %s; %s", what, quartile, belowMs, aboveMs,
                        Arrays.toString(round(differences)), samples.stream().map(RttSample::rttMs).toList(), this)
                .isBetween(-belowMs, aboveMs);
    }

    /**
     * A check's round trip as the relay saw it, at the resolution of libwebrtc's readings: libwebrtc stamps a
     * check's send and its answer's arrival in whole milliseconds of the monotonic clock, the clock
     * {@link System#nanoTime()} reads on Linux too; the relay read the request after A stamped it and sent the
     * response before A stamped its arrival, so a right reading is never below this, and exceeds it only by A's
     * own overhead where that crosses a millisecond boundary.
     */
    static long spanAtMillisecondResolution(RoundTrip trip) {
        return Math.floorDiv(trip.response().sentNanos(), 1_000_000L)
                - Math.floorDiv(trip.request().receivedNanos(), 1_000_000L);
    }

    /**
     * Asserts, for a view kept as a summary only, that the fastest ICE reading lies at most {@code belowMs} below the
     * fastest of A's checks in the window as the relay saw them ({@link #spanAtMillisecondResolution}) and at most
     * {@code aboveMs} above their mean. A reading is the mean round trip of the checks since the one before, so the
     * fastest reading is never below the fastest check, and never above the mean of them all (the mean of means over
     * readings that share the checks out): on a quiet machine the two bounds are the same, on a loaded one the checks
     * the relay recorded, slower, widen them, while a bias of PeerPulse's moves the reading past either.
     */
    void assertIceFloor(String what, double fastestReadingMs, double belowMs, double aboveMs) {
        long[] spans = record.stunRoundTrips(Direction.A_TO_B).stream()
                .mapToLong(RelayTruth::spanAtMillisecondResolution).toArray();
        double fastest = Arrays.stream(spans).min().orElse(Long.MIN_VALUE);
        double mean = Arrays.stream(spans).average().orElse(Double.NaN);
        assertAgrees(what + ", fastest reading vs fastest check as the relay saw it", fastestReadingMs,
                spans.length == 0 ? Double.NaN : fastest, belowMs, Math.max(aboveMs, mean - fastest + aboveMs));
    }

    /**
     * The 25th percentile of sorted values, interpolated between closest ranks; of fewer than four values the least
     * stands for it: an interpolated quartile of two readings (a view that measured for a few seconds) moves with
     * the second one.
     */
    private static double lowerQuartile(double[] sorted) {
        if (sorted.length < 4) {
            return sorted[0];
        }
        double rank = 0.25 * (sorted.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 1000) / 1000.0).toArray();
    }

    /**
     * Asserts that the fastest of {@code samples} lies within {@code [-belowMs, +aboveMs]} of the fastest round trip
     * the relay imposed on the data channel (the shortest hold of each direction): for a view whose packets cannot
     * be paired (the probe's, encrypted), the floor of its overhead, which a busy machine does not raise, while a
     * bias of PeerPulse's does.
     */
    void assertDataChannelFloor(String what, List<RttSample> samples, double belowMs, double aboveMs) {
        double fastest = samples.stream().mapToDouble(RttSample::rttMs).min().orElse(Double.NaN);
        assertAgrees(what + ", fastest sample vs fastest imposed round trip; samples "
                + samples.stream().map(RttSample::rttMs).toList(), fastest, dataChannel().minMs(), belowMs, aboveMs);
    }

    /**
     * Asserts that {@code measuredMs - truthMs} lies in {@code [-belowMs, +aboveMs]}, stating the asked round trip,
     * the imposed one and the relay's lateness in the failure message.
     */
    void assertAgrees(String what, double measuredMs, double truthMs, double belowMs, double aboveMs) {
        assertThat(record.overwrittenCount()).as("the relay's record holds the whole window").isZero();
        assertThat(truthMs).as("%s: the relay recorded round trips in the window: %s", what, record).isNotNaN();
        assertThat(measuredMs - truthMs)
                .as("%s: measured %.3f ms, relay imposed %.3f ms (asked %.3f ms), difference must be in [-%.1f, +%.1f]"
                        + " ms; %s", what, measuredMs, truthMs, askedMs, belowMs, aboveMs, this)
                .isBetween(-belowMs, aboveMs);
    }

    /** Asked, imposed (ICE and data channel) and lateness per direction, for messages and logs. */
    @Override
    public String toString() {
        Spread ice = ice();
        Spread span = iceSpan();
        Spread data = dataChannel();
        return String.format(Locale.ROOT, "relay truth: asked %.3f ms; ICE checks n=%d imposed median %.3f mean %.3f"
                        + " p95 %.3f max %.3f, span median %.3f; data channel median %.3f p95 %.3f; lateness A_TO_B"
                        + " median %.3f p95 %.3f max %.3f, B_TO_A median %.3f p95 %.3f max %.3f ms; dropped %d/%d",
                askedMs, ice.valueCount(), ice.medianMs(), ice.meanMs(), ice.p95Ms(), ice.maxMs(), span.medianMs(),
                data.medianMs(), data.p95Ms(), record.lateness(Direction.A_TO_B).medianMs(),
                record.lateness(Direction.A_TO_B).p95Ms(), record.lateness(Direction.A_TO_B).maxMs(),
                record.lateness(Direction.B_TO_A).medianMs(), record.lateness(Direction.B_TO_A).p95Ms(),
                record.lateness(Direction.B_TO_A).maxMs(), record.droppedCount(Direction.A_TO_B),
                record.droppedCount(Direction.B_TO_A));
    }
}
