package io.peerpulse.telemetry.internal;

import static io.peerpulse.telemetry.fixtures.Records.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.LatencyStats;
import io.peerpulse.telemetry.RttSample;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.NoSuchElementException;
import java.util.RandomAccess;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The window's snapshot: a List of RttSample made from primitive arrays. */
class SampleListTest {

    private static final long START = 1_764_000_000_000L;
    private static final long DAY_MS = 24L * 3600 * 1000;

    /** A window and, beside it, the plain list of its samples it must equal. */
    private static final class Model {
        final RttWindow window;
        final ArrayDeque<RttSample> expected = new ArrayDeque<>();

        Model(int capacity) {
            window = new RttWindow(capacity);
        }

        Model add(long timestamp, double rttMs) {
            window.add(timestamp, rttMs);
            expected.addLast(sample(timestamp, rttMs));
            if (expected.size() > window.capacity()) {
                expected.removeFirst();
            }
            return this;
        }

        List<RttSample> expected() {
            return List.copyOf(expected);
        }
    }

    private static void assertIsTheList(List<RttSample> actual, List<RttSample> expected) {
        assertThat(actual).isEqualTo(expected);
        assertThat(expected).isEqualTo(actual);
        assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
        assertThat(actual.toString()).isEqualTo(expected.toString());
        assertThat(actual.size()).isEqualTo(expected.size());
        assertThat(actual.isEmpty()).isEqualTo(expected.isEmpty());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).isEqualTo(expected.get(i));
        }
        assertThat(new ArrayList<>(actual)).containsExactlyElementsOf(expected);
        assertThat(actual.toArray()).containsExactly(expected.toArray());
        assertThat(actual.toArray(new RttSample[0])).containsExactly(expected.toArray(new RttSample[0]));
        assertThat(actual.stream().toList()).isEqualTo(expected);
        List<RttSample> seen = new ArrayList<>();
        actual.forEach(seen::add);
        assertThat(seen).isEqualTo(expected);
        assertThatThrownBy(() -> actual.get(expected.size())).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> actual.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void equalsAListOfTheSameSamplesBothWays() {
        Model model = new Model(600).add(START, 80).add(START + 1_000, 12.5).add(START + 2_000, 0)
                .add(START + 3_000, 60_000);
        SampleList snapshot = model.window.snapshot();
        List<RttSample> expected = List.of(sample(START, 80), sample(START + 1_000, 12.5),
                sample(START + 2_000, 0), sample(START + 3_000, 60_000));
        assertIsTheList(snapshot, expected);
        assertThat(snapshot).isInstanceOf(RandomAccess.class);
        assertThat(snapshot.contains(sample(START + 2_000, 0))).isTrue();
        assertThat(snapshot.indexOf(sample(START + 3_000, 60_000))).isEqualTo(3);
        assertThat(snapshot.contains(sample(START + 2_000, 0.5))).isFalse();
    }

    @Test
    void differsFromAListWithOneDifferentTimestampOrRtt() {
        SampleList snapshot = new Model(4).add(START, 80).add(START + 1_000, 12.5).window.snapshot();
        assertThat(snapshot).isNotEqualTo(List.of(sample(START, 80), sample(START + 1_001, 12.5)));
        assertThat(snapshot).isNotEqualTo(List.of(sample(START, 80), sample(START + 1_000, 12.6)));
        assertThat(snapshot).isNotEqualTo(List.of(sample(START, 80)));
        // between two snapshots the arrays are compared: each component counts
        assertThat(snapshot).isNotEqualTo(new Model(4).add(START, 80).add(START + 1_001, 12.5).window.snapshot())
                .isNotEqualTo(new Model(4).add(START, 80).add(START + 1_000, 12.6).window.snapshot())
                .isNotEqualTo(new Model(4).add(START, 80).window.snapshot())
                .isEqualTo(new Model(4).add(START, 80).add(START + 1_000, 12.5).window.snapshot());
    }

    @Test
    void latencyStatsWithASnapshotEqualsOneWithAPlainListAndKeepsTheSnapshotUncopied() {
        Model model = new Model(3).add(START, 10).add(START + 1_000, 20).add(START + 2_000, 30)
                .add(START + 3_000, 40);
        SampleList snapshot = model.window.snapshot();
        LatencyStats fromSnapshot = new LatencyStats(3, 20, 40, 30, 30, 39, 39.8, 8.16, 10, 4, snapshot);
        LatencyStats fromList = new LatencyStats(3, 20, 40, 30, 30, 39, 39.8, 8.16, 10, 4, model.expected());
        assertThat(fromSnapshot).isEqualTo(fromList);
        assertThat(fromList).isEqualTo(fromSnapshot);
        assertThat(fromSnapshot.hashCode()).isEqualTo(fromList.hashCode());
        assertThat(fromSnapshot.toString()).isEqualTo(fromList.toString());
        assertThat(fromSnapshot.samples()).isSameAs(snapshot);
        assertThat(new LatencyStats(3, 20, 40, 30, 30, 39, 39.8, 8.16, 10, 4, fromSnapshot.samples()).samples())
                .isSameAs(snapshot);
    }

    @Test
    void latencyStatsStillCopiesAMutableListAndAViewOfOne() {
        List<RttSample> mutable = new ArrayList<>(List.of(sample(1, 10), sample(2, 20)));
        LatencyStats stats = new LatencyStats(2, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 2, mutable);
        List<RttSample> view = java.util.Collections.unmodifiableList(mutable);
        LatencyStats fromView = new LatencyStats(2, 10, 20, 15, 15, 19.5, 19.9, 5, 10, 2, view);
        mutable.set(0, sample(1, 11));
        assertThat(stats.samples()).isNotSameAs(mutable).containsExactly(sample(1, 10), sample(2, 20));
        assertThat(fromView.samples()).isNotSameAs(view).containsExactly(sample(1, 10), sample(2, 20));
        assertThatThrownBy(() -> stats.samples().add(sample(3, 30)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aSnapshotIsIndependentOfLaterRecordings() {
        Model model = new Model(4);
        for (int i = 0; i < 6; i++) {
            model.add(START + i * 1_000L, i);
        }
        SampleList snapshot = model.window.snapshot();
        List<RttSample> before = model.expected();
        SampleList sub = (SampleList) snapshot.subList(1, 3);
        for (int i = 6; i < 20; i++) {
            model.add(START + i * 1_000L, 100 + i); // evicts everything the snapshot holds, several times round
        }
        assertIsTheList(snapshot, before);
        assertIsTheList(sub, before.subList(1, 3));
        assertIsTheList(model.window.snapshot(), model.expected());
    }

    @Test
    void anEmptyWindowGivesAnEmptyList() {
        SampleList snapshot = new RttWindow(600).snapshot();
        assertIsTheList(snapshot, List.of());
        assertThat(snapshot.hashCode()).isEqualTo(1);
        assertThat(snapshot.iterator().hasNext()).isFalse();
        assertThatThrownBy(() -> snapshot.iterator().next()).isInstanceOf(NoSuchElementException.class);
        assertAllMutatorsThrow(snapshot);
    }

    @Test
    void capacityOneKeepsOnlyTheNewestSample() {
        Model model = new Model(1).add(START, 5);
        assertIsTheList(model.window.snapshot(), List.of(sample(START, 5)));
        model.add(START + 1_000, 6).add(START + 2_000, 7);
        assertIsTheList(model.window.snapshot(), List.of(sample(START + 2_000, 7)));
    }

    @ParameterizedTest
    @CsvSource({"1, 7", "2, 3", "5, 4", "5, 5", "5, 8", "5, 13", "600, 599", "600, 1000"})
    void afterEvictionTheWindowIsOldestFirstWhereverTheRingStarts(int capacity, int recorded) {
        SplittableRandom random = new SplittableRandom(capacity * 31L + recorded);
        Model model = new Model(capacity);
        for (int i = 0; i < recorded; i++) {
            model.add(START + i * 1_000L + random.nextInt(500), RttWindowTest.randomRtt(random));
            assertThat(model.window.snapshot()).isEqualTo(model.expected());
        }
        assertIsTheList(model.window.snapshot(), model.expected());
    }

    @Test
    void timestampsMoreThan24DaysApartAreExactAndEqualToTheSameSamplesKeptAsOffsets() {
        Model wide = new Model(3).add(START, 1).add(START + 1, 2).add(START + 40 * DAY_MS, 3)
                .add(START + 41 * DAY_MS, 4).add(Long.MAX_VALUE / 2, 5);
        SampleList wideSnapshot = wide.window.snapshot();
        assertIsTheList(wideSnapshot, List.of(sample(START + 40 * DAY_MS, 3),
                sample(START + 41 * DAY_MS, 4), sample(Long.MAX_VALUE / 2, 5)));

        // the same samples in a window that never had to widen its timestamps
        Model narrow = new Model(3).add(START + 40 * DAY_MS, 3).add(START + 41 * DAY_MS, 4);
        Model wide2 = new Model(3).add(START, 0).add(START + 40 * DAY_MS, 3).add(START + 41 * DAY_MS, 4);
        assertThat(wide2.window.snapshot().subList(1, 3)).isEqualTo(narrow.window.snapshot());
        assertThat(narrow.window.snapshot()).isEqualTo(wide2.window.snapshot().subList(1, 3));
        assertThat(narrow.window.snapshot()).isNotEqualTo(wide2.window.snapshot().subList(0, 2));
    }

    @Test
    void subListsAreSnapshotsOfTheSameKind() {
        Model model = new Model(5);
        for (int i = 0; i < 8; i++) {
            model.add(START + i, i * 1.5);
        }
        SampleList snapshot = model.window.snapshot();
        List<RttSample> expected = model.expected();
        assertIsTheList(snapshot.subList(1, 4), expected.subList(1, 4));
        assertIsTheList(snapshot.subList(1, 4).subList(1, 3), expected.subList(2, 4));
        assertIsTheList(snapshot.subList(2, 2), List.of());
        assertIsTheList(snapshot.subList(0, 5), expected);
        assertThat(snapshot.subList(1, 4)).isInstanceOf(SampleList.class);
        assertThatThrownBy(() -> snapshot.subList(-1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> snapshot.subList(3, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> snapshot.subList(0, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> snapshot.subList(1, 4).get(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> snapshot.subList(1, 4).subList(0, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertAllMutatorsThrow(snapshot.subList(1, 4));
        assertAllMutatorsThrow(snapshot.subList(2, 2));
    }

    @Test
    void iteratorsWalkBothWaysAndStopAtTheEnds() {
        Model model = new Model(3).add(START, 1).add(START + 1, 2).add(START + 2, 3).add(START + 3, 4);
        SampleList snapshot = model.window.snapshot();
        List<RttSample> expected = model.expected();

        Iterator<RttSample> iterator = snapshot.iterator();
        for (RttSample sample : expected) {
            assertThat(iterator.hasNext()).isTrue();
            assertThat(iterator.next()).isEqualTo(sample);
        }
        assertThat(iterator.hasNext()).isFalse();
        assertThatThrownBy(iterator::next).isInstanceOf(NoSuchElementException.class);

        ListIterator<RttSample> backwards = snapshot.listIterator(3);
        assertThat(backwards.hasNext()).isFalse();
        assertThat(backwards.nextIndex()).isEqualTo(3);
        for (int i = 2; i >= 0; i--) {
            assertThat(backwards.hasPrevious()).isTrue();
            assertThat(backwards.previousIndex()).isEqualTo(i);
            assertThat(backwards.previous()).isEqualTo(expected.get(i));
        }
        assertThat(backwards.hasPrevious()).isFalse();
        assertThatThrownBy(backwards::previous).isInstanceOf(NoSuchElementException.class);
        assertThat(backwards.next()).isEqualTo(expected.get(0));

        ListIterator<RttSample> fromMiddle = snapshot.subList(1, 3).listIterator(1);
        assertThat(fromMiddle.next()).isEqualTo(expected.get(2));
        assertThat(fromMiddle.hasNext()).isFalse();
        assertThatThrownBy(() -> snapshot.listIterator(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> snapshot.listIterator(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void everyMutatorThrowsEvenWhenItWouldChangeNothing() {
        Model model = new Model(4).add(START, 1).add(START + 1, 2).add(START + 2, 3);
        SampleList snapshot = model.window.snapshot();
        assertAllMutatorsThrow(snapshot);
        assertThat(snapshot).isEqualTo(model.expected());
    }

    private static void assertAllMutatorsThrow(List<RttSample> list) {
        RttSample sample = sample(START, 1);
        List<ThrowingCallable> mutators = List.of(
                () -> list.add(sample),
                () -> list.add(0, sample),
                () -> list.addAll(List.of(sample)),
                () -> list.addAll(List.of()),
                () -> list.addAll(0, List.of(sample)),
                () -> list.addAll(0, List.of()),
                () -> list.set(0, sample),
                () -> list.remove(0),
                () -> list.remove(sample),
                () -> list.remove(sample(0, 0)),
                () -> list.removeAll(List.of(sample)),
                () -> list.removeAll(List.of()),
                () -> list.retainAll(List.of()),
                () -> list.retainAll(list),
                () -> list.removeIf(s -> true),
                () -> list.removeIf(s -> false),
                () -> list.replaceAll(s -> s),
                () -> list.sort(null),
                list::clear);
        for (int i = 0; i < mutators.size(); i++) {
            assertThatThrownBy(mutators.get(i)).as("mutator %d on %s", i, list)
                    .isInstanceOf(UnsupportedOperationException.class);
        }
        Consumer<ListIterator<RttSample>> iteratorMutators = iterator -> {
            if (iterator.hasNext()) {
                iterator.next();
            }
            assertThatThrownBy(iterator::remove).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> iterator.set(sample)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> iterator.add(sample)).isInstanceOf(UnsupportedOperationException.class);
        };
        iteratorMutators.accept(list.listIterator());
        iteratorMutators.accept(list.listIterator(list.size()));
        Iterator<RttSample> iterator = list.iterator();
        if (iterator.hasNext()) {
            iterator.next();
        }
        assertThatThrownBy(iterator::remove).isInstanceOf(UnsupportedOperationException.class);
    }
}
