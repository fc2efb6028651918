package io.peerpulse.telemetry.internal;

import org.jspecify.annotations.Nullable;

import io.peerpulse.telemetry.RttSample;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An unmodifiable list of samples over primitive arrays (timestamps and RTTs), which makes the
 * {@link RttSample} records only when they are read. A snapshot of a 600-sample window is then a few
 * array copies, not 600 records and the lists that hold them. Timestamps stay as the window keeps
 * them, {@code int} offsets to a base (half the bytes to copy), or absolute {@code long}s.
 *
 * <p>A {@link List} in every respect: {@link #equals} and {@link #hashCode} are those of any list of
 * the same samples (e.g. {@code List.of(...)}), every mutator throws
 * {@link UnsupportedOperationException} (as {@code List.of}'s do, even when it would change nothing),
 * and {@link #subList} is a list of the same kind sharing the arrays. Only this package makes one,
 * from arrays nobody else holds, so it is immutable and may be shared between threads and snapshots
 * without copying.
 */
public final class SampleList extends AbstractList<RttSample> implements RandomAccess {

    private static final SampleList EMPTY = new SampleList(0, new int[0], null, new double[0], 0, 0);

    private final long timestampBase;
    /** Timestamps in ms after {@link #timestampBase}, as the window keeps them; else null. */
    private final int @Nullable [] timestampOffsets;
    /** Absolute timestamps, for a window spanning more than an int of milliseconds; else null. */
    private final long @Nullable [] timestamps;
    private final double[] rttMs;
    private final int offset;
    private final int size;

    private SampleList(long timestampBase, int @Nullable [] timestampOffsets, long @Nullable [] timestamps, double[] rttMs, int offset,
                       int size) {
        this.timestampBase = timestampBase;
        this.timestampOffsets = timestampOffsets;
        this.timestamps = timestamps;
        this.rttMs = rttMs;
        this.offset = offset;
        this.size = size;
    }

    /**
     * A list over arrays that the caller hands over: nothing may write to them afterwards.
     *
     * @param timestampBase    epoch ms that the offsets are added to
     * @param timestampOffsets ms after {@code timestampBase}, oldest first
     * @param rttMs            plausible RTTs (finite, non-negative), as long as {@code timestampOffsets}
     * @return the list
     */
    static SampleList wrap(long timestampBase, int[] timestampOffsets, double[] rttMs) {
        checkLengths(timestampOffsets.length, rttMs.length);
        return rttMs.length == 0 ? EMPTY
                : new SampleList(timestampBase, timestampOffsets, null, rttMs, 0, rttMs.length);
    }

    /**
     * A list over arrays that the caller hands over: nothing may write to them afterwards.
     *
     * @param timestamps epoch ms, oldest first
     * @param rttMs      plausible RTTs (finite, non-negative), as long as {@code timestamps}
     * @return the list
     */
    public static SampleList wrap(long[] timestamps, double[] rttMs) { // public for shared.SampleArrays only
        checkLengths(timestamps.length, rttMs.length);
        return rttMs.length == 0 ? EMPTY : new SampleList(0, null, timestamps, rttMs, 0, rttMs.length);
    }

    private static void checkLengths(int timestamps, int rttMs) {
        if (timestamps != rttMs) {
            throw new IllegalArgumentException("timestamps (" + timestamps + ") and rttMs (" + rttMs
                    + ") differ in length");
        }
    }

    @Override
    public RttSample get(int index) {
        Objects.checkIndex(index, size);
        return new RttSample(timestampAt(offset + index), rttMs[offset + index]);
    }

    private long timestampAt(int position) {
        long[] wide = timestamps;
        return wide != null ? wide[position]
                : timestampBase + Objects.requireNonNull(timestampOffsets, "offsets without wide timestamps")[position];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public List<RttSample> subList(int fromIndex, int toIndex) {
        Objects.checkFromToIndex(fromIndex, toIndex, size);
        return new SampleList(timestampBase, timestampOffsets, timestamps, rttMs, offset + fromIndex,
                toIndex - fromIndex);
    }

    @Override
    public ListIterator<RttSample> listIterator(int index) {
        Objects.checkIndex(index, size + 1);
        return new Cursor(index);
    }

    @Override
    public Iterator<RttSample> iterator() {
        return new Cursor(0);
    }

    /** Compares the arrays when both are sample lists; otherwise as any list does, sample by sample. */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (o instanceof SampleList other) {
            // Arrays.equals on doubles compares bits, as the record RttSample compares its rttMs.
            if (size != other.size
                    || !Arrays.equals(rttMs, offset, offset + size, other.rttMs, other.offset, other.offset + size)) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                if (timestampAt(offset + i) != other.timestampAt(other.offset + i)) {
                    return false;
                }
            }
            return true;
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode(); // List's definition over RttSample.hashCode(), as List.of computes it
    }

    // ---- every mutator throws, even one that would change nothing (as List.of's do) ------------

    @Override
    public boolean add(RttSample sample) {
        throw unmodifiable();
    }

    @Override
    public void add(int index, RttSample sample) {
        throw unmodifiable();
    }

    @Override
    public boolean addAll(Collection<? extends RttSample> samples) {
        throw unmodifiable();
    }

    @Override
    public boolean addAll(int index, Collection<? extends RttSample> samples) {
        throw unmodifiable();
    }

    @Override
    public RttSample set(int index, RttSample sample) {
        throw unmodifiable();
    }

    @Override
    public RttSample remove(int index) {
        throw unmodifiable();
    }

    @Override
    public boolean remove(Object o) {
        throw unmodifiable();
    }

    @Override
    public boolean removeAll(Collection<?> c) {
        throw unmodifiable();
    }

    @Override
    public boolean retainAll(Collection<?> c) {
        throw unmodifiable();
    }

    @Override
    public boolean removeIf(Predicate<? super RttSample> filter) {
        throw unmodifiable();
    }

    @Override
    public void replaceAll(UnaryOperator<RttSample> operator) {
        throw unmodifiable();
    }

    @Override
    public void sort(Comparator<? super RttSample> c) {
        throw unmodifiable();
    }

    @Override
    public void clear() {
        throw unmodifiable();
    }

    @Override
    protected void removeRange(int fromIndex, int toIndex) {
        throw unmodifiable();
    }

    private static UnsupportedOperationException unmodifiable() {
        return new UnsupportedOperationException("the samples of a snapshot are unmodifiable");
    }

    /** A list iterator whose mutators always throw. */
    private final class Cursor implements ListIterator<RttSample> {
        private int cursor;

        Cursor(int cursor) {
            this.cursor = cursor;
        }

        @Override
        public boolean hasNext() {
            return cursor < size;
        }

        @Override
        public RttSample next() {
            if (cursor >= size) {
                throw new NoSuchElementException();
            }
            return get(cursor++);
        }

        @Override
        public boolean hasPrevious() {
            return cursor > 0;
        }

        @Override
        public RttSample previous() {
            if (cursor <= 0) {
                throw new NoSuchElementException();
            }
            return get(--cursor);
        }

        @Override
        public int nextIndex() {
            return cursor;
        }

        @Override
        public int previousIndex() {
            return cursor - 1;
        }

        @Override
        public void remove() {
            throw unmodifiable();
        }

        @Override
        public void set(RttSample sample) {
            throw unmodifiable();
        }

        @Override
        public void add(RttSample sample) {
            throw unmodifiable();
        }
    }
}
