package io.peerpulse.telemetry.internal;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The last {@code capacity} RTT samples, kept both in arrival order (a ring) and in value order
 * (a sorted copy of the values), so that recording allocates nothing and every order statistic is
 * an index read.
 *
 * <p>The sorted copy is a sequence of pages of at most {@link #PAGE} values, each sorted and every value
 * of a page at most every value of the next; a window of up to {@code PAGE} samples is one page. The
 * evicted value is found by a binary search (any equal value will do: the copy holds values, not
 * samples), the new value's place by another, both first over the pages' bounds, then in the page; the
 * searches in a page are branch-free, since their comparisons are unpredictable. Eviction plus insertion
 * in one page is one array move within it; across pages a move in each. So recording costs O(log n) plus
 * a move of at most {@code PAGE} values, however large the window (one sorted array of a million values
 * moved a third of them a sample on average). A page that fills splits in two halves; one that falls
 * below half takes a value from a neighbour or merges with it, so at most {@code 2 capacity / PAGE}
 * pages are ever in use and all are allocated up front. A Fenwick tree of the pages' counts, in value
 * order, finds the page of a rank in O(log n).
 *
 * <p>Timestamps are kept as {@code int} milliseconds after the first sample's, which halves their
 * memory; a window whose timestamps lie more than 24 days apart switches, once, to {@code long}s.
 *
 * <p>Mean, variance and jitter are kept as running sums over values shifted by a reference close to
 * the mean (no catastrophic cancellation), and recomputed exactly every {@code capacity} evictions,
 * so rounding error cannot accumulate over a long session. Not thread-safe: the owner locks.
 *
 * <p><b>Why one class.</b> The ring, the paged sorted copy and the running sums change together at every sample,
 * under the owner's one lock, and every statistic reads two of them at once; the owner's optimistic reads validate
 * one stamp for all of it. Split, each part would need the others' state passed in at every call, and a reader
 * would have to see all of them as of one sample anyway.
 */
public final class RttWindow {

    /** The most values a page of the sorted copy holds; a window of up to this many is one page. */
    static final int PAGE = 1024;

    private final int capacity;
    private final double[] values;
    /** Timestamps of the ring, in ms after {@link #timestampBase}; unused once {@link #wideTimestamps} exists. */
    private final int[] timestamps;
    private long timestampBase;
    /** Absolute timestamps, only for a window spanning more than an int of milliseconds. */
    private long @Nullable [] wideTimestamps;
    /** The values of the window, sorted: page {@code id} at {@code id * pageSize}, its values at its start. */
    private final double[] sorted;
    /** Slots per page: {@link #PAGE}, or the capacity when smaller. */
    private final int pageSize;
    /** The ids of the pages in use, in value order; the first {@link #pageCount} are used. */
    private final int[] order;
    /** How many values each page holds, by id. */
    private final int[] pageCounts;
    /**
     * Each page's smallest and largest value, by id, so that finding a page reads these small arrays, not a line
     * of every page it passes; kept while there is more than one page.
     */
    private final double[] pageFirsts;
    private final double[] pageLasts;
    /** A Fenwick tree (from index 1) of the counts of the pages in {@link #order}'s positions. */
    private final int[] tree;
    /** The ids of the pages not in use, a stack of {@link #freeCount}. */
    private final int[] freePages;
    private int freeCount;
    private int pageCount;
    private int head;
    private int count;
    private long total;

    private double shift;
    private double shiftedSum;
    private double shiftedSquares;
    private double jitterSum;
    private int updatesSinceRefresh;

    /**
     * Creates an empty window.
     *
     * @param capacity the number of samples kept, at least 1
     */
    public RttWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.values = new double[capacity];
        this.timestamps = new int[capacity];
        this.pageSize = Math.min(capacity, PAGE);
        // Once there are two pages, every page holds at least PAGE / 2 values (a full window evicts before it
        // inserts): at most 2 capacity / PAGE pages.
        int pages = capacity <= PAGE ? 1 : (int) (2L * capacity / PAGE);
        this.sorted = new double[pages * pageSize];
        this.order = new int[pages];
        this.pageCounts = new int[pages];
        this.pageFirsts = new double[pages];
        this.pageLasts = new double[pages];
        this.tree = new int[pages + 1];
        this.freePages = new int[pages];
        for (int id = pages - 1; id > 0; id--) {
            freePages[freeCount++] = id;
        }
        this.pageCount = 1; // page 0, empty
    }

    /**
     * Records a sample, evicting the oldest one when the window is full.
     *
     * @param timestamp epoch ms (the telemetry's; any unit of time for {@code shared.RecentRtts})
     * @param rttMs     a finite, non-negative value (the caller has checked plausibility)
     */
    public void add(long timestamp, double rttMs) {
        double value = rttMs + 0.0; // -0.0 becomes 0.0, so that ordering and sums agree
        if (count < capacity) {
            int slot = head + count < capacity ? head + count : head + count - capacity;
            if (count == 0) {
                shift = value;
                timestampBase = timestamp;
            } else {
                jitterSum += Math.abs(value - values[previous(slot)]);
            }
            insertSorted(value);
            values[slot] = value;
            storeTimestamp(slot, timestamp);
            count++;
        } else {
            int slot = head;
            double evicted = values[slot];
            if (capacity > 1) {
                jitterSum += Math.abs(value - values[previous(slot)]) - Math.abs(values[next(slot)] - evicted);
            }
            double evictedShifted = evicted - shift;
            shiftedSum -= evictedShifted;
            shiftedSquares -= evictedShifted * evictedShifted;
            replaceSorted(evicted, value);
            values[slot] = value;
            storeTimestamp(slot, timestamp);
            head = next(slot);
            updatesSinceRefresh++;
        }
        double shifted = value - shift;
        shiftedSum += shifted;
        shiftedSquares += shifted * shifted;
        total++;
        if (updatesSinceRefresh >= capacity) {
            refresh();
        }
    }

    /** Recomputes the running sums exactly, around the current mean. */
    private void refresh() {
        updatesSinceRefresh = 0;
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        shift = sum / count;
        double s1 = 0;
        double s2 = 0;
        double jitter = 0;
        int slot = head;
        for (int i = 0; i < count; i++) {
            double shifted = values[slot] - shift;
            s1 += shifted;
            s2 += shifted * shifted;
            if (i > 0) {
                jitter += Math.abs(values[slot] - values[previous(slot)]);
            }
            slot = next(slot);
        }
        shiftedSum = s1;
        shiftedSquares = s2;
        jitterSum = jitter;
    }

    private void storeTimestamp(int slot, long timestamp) {
        if (wideTimestamps != null) {
            wideTimestamps[slot] = timestamp;
            return;
        }
        long offset = timestamp - timestampBase;
        if (offset == (int) offset) {
            timestamps[slot] = (int) offset;
            return;
        }
        // More than 24 days between samples of one window: keep absolute timestamps from now on.
        wideTimestamps = new long[capacity];
        for (int i = 0; i < capacity; i++) {
            wideTimestamps[i] = timestampBase + timestamps[i];
        }
        wideTimestamps[slot] = timestamp;
    }

    private int next(int slot) {
        return slot + 1 == capacity ? 0 : slot + 1;
    }

    private int previous(int slot) {
        return slot == 0 ? capacity - 1 : slot - 1;
    }

    /** Puts {@code value} in the sorted copy, which has room for it. */
    private void insertSorted(double value) {
        int position = pageToInsert(value);
        int id = order[position];
        if (pageCounts[id] == pageSize) {
            split(position);
            position = pageToInsert(value);
            id = order[position];
        }
        int base = id * pageSize;
        int n = pageCounts[id];
        int at = upperBound(base, n, value);
        System.arraycopy(sorted, base + at, sorted, base + at + 1, n - at);
        sorted[base + at] = value;
        changeCount(position, 1);
        keepBounds(id);
    }

    /** Replaces one value equal to {@code evicted} by {@code value} in the sorted copy. */
    private void replaceSorted(double evicted, double value) {
        int removePosition = pageToRemove(evicted);
        int insertPosition = pageToInsert(value);
        if (removePosition != insertPosition) {
            removeSorted(removePosition, evicted);
            insertSorted(value);
            return;
        }
        // One page: one move between the two places.
        int id = order[removePosition];
        int base = id * pageSize;
        int n = pageCounts[id];
        int removeAt = base + lowerBound(base, n, evicted);
        int insertAt = base + upperBound(base, n, value);
        if (insertAt > removeAt) {
            System.arraycopy(sorted, removeAt + 1, sorted, removeAt, insertAt - 1 - removeAt);
            sorted[insertAt - 1] = value;
        } else {
            System.arraycopy(sorted, insertAt, sorted, insertAt + 1, removeAt - insertAt);
            sorted[insertAt] = value;
        }
        keepBounds(id);
    }

    /** Removes one value equal to {@code evicted} from the page at {@code position}, which holds one. */
    private void removeSorted(int position, double evicted) {
        int id = order[position];
        int base = id * pageSize;
        int n = pageCounts[id];
        int at = lowerBound(base, n, evicted);
        System.arraycopy(sorted, base + at + 1, sorted, base + at, n - at - 1);
        changeCount(position, -1);
        if (pageCount > 1 && n - 1 < PAGE / 2) {
            refill(position);
        } else {
            keepBounds(id);
        }
    }

    /** The position of the page for a new {@code value}: the last whose first value is at most it, else the first. */
    private int pageToInsert(double value) {
        int low = 1;
        int high = pageCount; // the answer lies in [low - 1, high - 1]
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (pageFirsts[order[middle]] <= value) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low - 1;
    }

    /** The position of the page holding a value equal to {@code value}: the first whose last value is at least it. */
    private int pageToRemove(double value) {
        int low = 0;
        int high = pageCount - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (pageLasts[order[middle]] < value) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** Splits the full page at {@code position} into two halves, the upper one a new page after it. */
    private void split(int position) {
        int id = order[position];
        int fresh = freePages[--freeCount];
        int half = pageCounts[id] / 2;
        int moved = pageCounts[id] - half;
        System.arraycopy(sorted, id * pageSize + half, sorted, fresh * pageSize, moved);
        pageCounts[id] = half;
        pageCounts[fresh] = moved;
        System.arraycopy(order, position + 1, order, position + 2, pageCount - position - 1);
        order[position + 1] = fresh;
        pageCount++;
        rebuildTree();
        keepBounds(id);
        keepBounds(fresh);
    }

    /**
     * Brings the page at {@code position}, just fallen below {@code PAGE / 2}, back: a value from a neighbour
     * that has more than {@code PAGE / 2}, else the two merged into one (which then holds fewer than PAGE).
     */
    private void refill(int position) {
        int id = order[position];
        int base = id * pageSize;
        if (position + 1 < pageCount) {
            int nextId = order[position + 1];
            int nextBase = nextId * pageSize;
            int nextCount = pageCounts[nextId];
            if (nextCount > PAGE / 2) {
                sorted[base + pageCounts[id]] = sorted[nextBase];
                System.arraycopy(sorted, nextBase + 1, sorted, nextBase, nextCount - 1);
                changeCount(position, 1);
                changeCount(position + 1, -1);
                keepBounds(id);
                keepBounds(nextId);
            } else {
                merge(position);
            }
        } else {
            int previousId = order[position - 1];
            int previousCount = pageCounts[previousId];
            if (previousCount > PAGE / 2) {
                System.arraycopy(sorted, base, sorted, base + 1, pageCounts[id]);
                sorted[base] = sorted[previousId * pageSize + previousCount - 1];
                changeCount(position, 1);
                changeCount(position - 1, -1);
                keepBounds(id);
                keepBounds(previousId);
            } else {
                merge(position - 1);
            }
        }
    }

    /** Moves the values of the page after {@code position} to the end of the one at it, freeing the former. */
    private void merge(int position) {
        int id = order[position];
        int nextId = order[position + 1];
        System.arraycopy(sorted, nextId * pageSize, sorted, id * pageSize + pageCounts[id], pageCounts[nextId]);
        pageCounts[id] += pageCounts[nextId];
        pageCounts[nextId] = 0;
        freePages[freeCount++] = nextId;
        System.arraycopy(order, position + 2, order, position + 1, pageCount - position - 2);
        pageCount--;
        rebuildTree();
        keepBounds(id);
    }

    /** Notes page {@code id}'s smallest and largest value, unless it is the only page (none then needs them). */
    private void keepBounds(int id) {
        if (pageCount > 1) {
            int base = id * pageSize;
            pageFirsts[id] = sorted[base];
            pageLasts[id] = sorted[base + pageCounts[id] - 1];
        }
    }

    private void changeCount(int position, int delta) {
        pageCounts[order[position]] += delta;
        for (int i = position + 1; i < tree.length; i += i & -i) {
            tree[i] += delta;
        }
    }

    /** Builds the Fenwick tree from the pages' counts in O(pages), zero past the pages in use. */
    private void rebuildTree() {
        Arrays.fill(tree, 0);
        for (int i = 1; i < tree.length; i++) {
            if (i <= pageCount) {
                tree[i] += pageCounts[order[i - 1]];
            }
            int parent = i + (i & -i);
            if (parent < tree.length) {
                tree[parent] += tree[i];
            }
        }
    }

    /** First index in the page at {@code base} of {@code n} values whose value is >= {@code value}. Branch-free. */
    private int lowerBound(int base, int n, double value) {
        if (n == 0) {
            return 0;
        }
        int start = base;
        while (n > 1) {
            int half = n >>> 1;
            start = sorted[start + half - 1] < value ? start + half : start;
            n -= half;
        }
        return (sorted[start] < value ? start + 1 : start) - base;
    }

    /** First index in the page at {@code base} of {@code n} values whose value is > {@code value}. Branch-free. */
    private int upperBound(int base, int n, double value) {
        if (n == 0) {
            return 0;
        }
        int start = base;
        while (n > 1) {
            int half = n >>> 1;
            start = sorted[start + half - 1] <= value ? start + half : start;
            n -= half;
        }
        return (sorted[start] <= value ? start + 1 : start) - base;
    }

    /**
     * A sample's timestamp, as given to {@link #add}.
     *
     * @param i 0 for the oldest sample, {@code count() - 1} for the newest
     * @return its timestamp
     */
    public long timestampAt(int i) {
        int slot = head + i < capacity ? head + i : head + i - capacity;
        return wideTimestamps != null ? wideTimestamps[slot] : timestampBase + timestamps[slot];
    }

    /** @return the number of samples in the window */
    public int count() {
        return count;
    }

    /** @return the number of samples ever added */
    public long total() {
        return total;
    }

    /** @return the window's capacity */
    public int capacity() {
        return capacity;
    }

    /**
     * The value at a rank of the value order; the window must not be empty.
     *
     * @param rank 0 for the smallest, {@code count() - 1} for the largest
     * @return the value
     */
    public double valueAtRank(int rank) {
        return sorted[slotOfRank(rank)];
    }

    /** The index in {@link #sorted} of the value at {@code rank}. */
    private int slotOfRank(int rank) {
        if (pageCount == 1) {
            return order[0] * pageSize + rank;
        }
        // Fenwick descent: the last position whose pages before it hold at most `rank` values.
        int position = 0;
        int remaining = rank;
        for (int step = Integer.highestOneBit(tree.length - 1); step > 0; step >>>= 1) {
            int next = position + step;
            if (next < tree.length && tree[next] <= remaining) {
                position = next;
                remaining -= tree[next];
            }
        }
        return order[position] * pageSize + remaining;
    }

    /** The value at {@code rank + 1}, given the slot of {@code rank}'s: the next slot unless that one's page ends. */
    private double valueAfter(int slot, int rank) {
        int id = slot / pageSize;
        return slot + 1 < id * pageSize + pageCounts[id] ? sorted[slot + 1] : valueAtRank(rank + 1);
    }

    /** @return the smallest value; the window must not be empty */
    public double min() {
        return sorted[order[0] * pageSize];
    }

    /** @return the largest value; the window must not be empty */
    public double max() {
        int id = order[pageCount - 1];
        return sorted[id * pageSize + pageCounts[id] - 1];
    }

    /** @return the median, the mean of the middle pair for an even count; the window must not be empty */
    public double median() {
        int half = count >>> 1;
        if ((count & 1) == 1) {
            return valueAtRank(half);
        }
        int slot = slotOfRank(half - 1);
        return (sorted[slot] + valueAfter(slot, half - 1)) / 2;
    }

    /**
     * The q-quantile by linear interpolation between closest ranks (numpy's default).
     *
     * @param q in [0, 1]
     * @return the quantile; the window must not be empty
     */
    public double quantile(double q) {
        double h = q * (count - 1);
        int low = (int) h;
        double fraction = h - low;
        int slot = slotOfRank(low);
        double a = sorted[slot];
        if (fraction == 0 || low + 1 >= count) {
            return a;
        }
        return Quantiles.lerp(a, valueAfter(slot, low), fraction);
    }

    /** @return the arithmetic mean, within [min, max]; the window must not be empty */
    public double mean() {
        double mean = shift + shiftedSum / count;
        return Math.min(max(), Math.max(min(), mean));
    }

    /** @return the population standard deviation; the window must not be empty */
    public double stdDev() {
        if (count < 2) {
            return 0;
        }
        double variance = (shiftedSquares - shiftedSum * shiftedSum / count) / count;
        return variance > 0 ? Math.sqrt(variance) : 0;
    }

    /** @return the mean absolute difference of consecutive samples, 0 with fewer than two */
    public double jitter() {
        return count < 2 || jitterSum <= 0 ? 0 : jitterSum / (count - 1);
    }

    /**
     * The samples of the window, oldest first, as an unmodifiable list independent of later changes:
     * one copy of the arrays, no record made until one is read.
     *
     * @return the samples, empty when the window is
     */
    public SampleList snapshot() {
        // The ring is two runs, head..end then 0..; each array is copied as it is stored.
        int first = Math.min(count, capacity - head);
        int second = count - first;
        double[] valuesOut = new double[count];
        System.arraycopy(values, head, valuesOut, 0, first);
        System.arraycopy(values, 0, valuesOut, first, second);
        if (wideTimestamps != null) {
            long[] timestampsOut = new long[count];
            System.arraycopy(wideTimestamps, head, timestampsOut, 0, first);
            System.arraycopy(wideTimestamps, 0, timestampsOut, first, second);
            return SampleList.wrap(timestampsOut, valuesOut);
        }
        int[] offsetsOut = new int[count];
        System.arraycopy(timestamps, head, offsetsOut, 0, first);
        System.arraycopy(timestamps, 0, offsetsOut, first, second);
        return SampleList.wrap(timestampBase, offsetsOut, valuesOut);
    }
}
