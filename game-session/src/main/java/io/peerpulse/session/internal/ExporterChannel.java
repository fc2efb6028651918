package io.peerpulse.session.internal;

import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.RttSample;

import io.peerpulse.telemetry.shared.FaultLog;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One session's exporter behind its own {@link SerialQueue}, so that its calls never overlap and keep their order; a
 * failure or hang goes to the session's {@link FaultLog} (logger {@code io.peerpulse.session.internal.ExporterFanOut})
 * and stops nothing.
 */
public final class ExporterChannel {

    private final String name;
    private final String sessionId;
    private final SessionExporter exporter;
    private final SerialQueue queue;
    private final FaultLog faults;

    /**
     * @param name        the provider's name
     * @param sessionId   the session's id
     * @param exporter    the exporter
     * @param executor    runs the calls
     * @param maxQueued   sample calls are dropped while this many calls wait
     * @param faults      where its failures and hangs are logged (the session's: it names the session)
     */
    public ExporterChannel(String name, String sessionId, SessionExporter exporter, Executor executor, int maxQueued,
                           FaultLog faults) {
        this.name = name;
        this.sessionId = sessionId;
        this.exporter = exporter;
        this.faults = faults;
        this.queue = new SerialQueue(executor, subject(), maxQueued);
    }

    private String subject() {
        return plugin() + " of session '" + sessionId + "'";
    }

    /** The exporter without its session: with the fault, the kind of a logged fault. */
    private String plugin() {
        return "exporter '" + name + "'";
    }

    /**
     * Whether the exporter's oldest unfinished call has been running or waiting longer than {@code timeout};
     * the first time, it is logged at WARNING.
     *
     * @param nowNanos now, from {@link System#nanoTime()}
     * @param timeout  the exporter timeout
     * @return whether it is stuck
     */
    public boolean stuck(long nowNanos, Duration timeout) {
        long behind = queue.behindNanos(nowNanos);
        if (behind <= timeout.toNanos()) {
            return false;
        }
        hung("has a call unfinished for " + Duration.ofNanos(behind).toMillis() + " ms, past the exporter timeout "
                + timeout);
        return true;
    }

    /** @return whether the current thread is running one of this exporter's calls (which called back) */
    public boolean callingNow() {
        return queue.runsOn(Thread.currentThread());
    }

    /**
     * Logs that the exporter hangs (rate-limited).
     *
     * @param detail what it did not finish, in time
     */
    public void hung(String detail) {
        faults.report(plugin(), "hangs", () -> "hangs: " + detail + "; its thread stays with it, counted in"
                + " validationData.stuckExporterCount of the reports made meanwhile", null);
    }

    /** @return the provider's name */
    public String name() {
        return name;
    }

    /** @return how many sample calls were dropped because the exporter fell behind */
    public long dropped() {
        return queue.dropped();
    }

    /** @return whether {@link #startDrain()} must follow (after the caller's lock); dropped when far behind */
    public boolean enqueueSample(RttSample sample) {
        return queue.enqueue(() -> call("sampleRecorded", (exporter, id) -> exporter.sampleRecorded(id, sample)), true);
    }

    /**
     * Queues a call that is never dropped: {@code sessionStarted} or a notice of the session (a quality,
     * connection, source or path change).
     *
     * @param method the exporter's method, for the log
     * @param notice the call
     * @return whether {@link #startDrain()} must follow (after the caller's lock)
     */
    public boolean enqueueNotice(String method, Notice notice) {
        return queue.enqueue(() -> call(method, notice), false);
    }

    /** A call of one of the exporter's methods. */
    @FunctionalInterface
    public interface Notice {
        /**
         * @param exporter  the exporter
         * @param sessionId the session's id
         * @throws Exception whatever the exporter throws; logged
         */
        void deliver(SessionExporter exporter, String sessionId) throws Exception;
    }

    /**
     * @param report the report
     * @param done   completed when {@code sessionEnded} returned or threw, or can never run ({@link SerialQueue})
     * @return whether {@link #startDrain()} must follow (after the caller's lock)
     */
    public boolean enqueueEnded(SessionReport report, CompletableFuture<Void> done) {
        return queue.enqueue(() -> call("sessionEnded", (exporter, id) -> exporter.sessionEnded(report)), done);
    }

    /** Starts running queued calls. */
    public void startDrain() {
        queue.startDrain();
    }

    private void call(String method, Notice call) {
        try {
            call.deliver(exporter, sessionId);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            faults.report(plugin(), "failed in " + method, () -> "failed in " + method
                    + "; the other exporters still run", t);
        }
    }

    @Override
    public String toString() {
        return plugin();
    }
}
