package io.peerpulse.integration;

import io.peerpulse.telemetry.PollEvent;
import io.peerpulse.telemetry.PollOutcome;
import io.peerpulse.telemetry.TelemetryListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Keeps every poll of a telemetry and lets a test wait, with a bound, until something happened. */
final class Recorder implements TelemetryListener {

    /** One poll; {@code lateMs} is how far behind its schedule it started, 0 within the late threshold. */
    record Poll(PollOutcome outcome, long timestampEpochMs, Double rttMs, double lateMs) { }

    private final List<Poll> polls = new ArrayList<>();

    @Override
    public synchronized void pollEnded(PollEvent event) {
        polls.add(new Poll(event.outcome(), event.timestampEpochMs(), event.hasSample() ? event.sample().rttMs() : null,
                event.lateMs()));
        notifyAll();
    }

    synchronized List<Poll> polls() {
        return List.copyOf(polls);
    }

    synchronized long count(PollOutcome outcome) {
        return polls.stream().filter(p -> p.outcome() == outcome).count();
    }

    /**
     * Waits until {@code condition} holds for the polls so far, re-checking at every poll.
     *
     * @return whether it held before the bound
     */
    synchronized boolean await(Predicate<List<Poll>> condition, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.test(polls)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    boolean awaitMeasured(int count, Duration bound) throws InterruptedException {
        return await(p -> p.stream().filter(x -> x.outcome() == PollOutcome.MEASURED).count() >= count, bound);
    }
}
