package io.peerpulse.session.internal;

import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.telemetry.RttSample;

import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One session's exporter behind its own {@link SerialQueue}: calls never overlap, keep their order,
 * and a failure is logged with the exporter's name and the session id and stops nothing.
 */
public final class ExporterChannel {

    private static final System.Logger LOG = System.getLogger(ExporterChannel.class.getName());

    private final String name;
    private final String sessionId;
    private final SessionExporter exporter;
    private final SerialQueue queue;

    /**
     * @param name        the provider's name
     * @param sessionId   the session's id
     * @param exporter    the exporter
     * @param executor    runs the calls
     * @param maxQueued   sample calls are dropped while this many calls wait
     */
    public ExporterChannel(String name, String sessionId, SessionExporter exporter, Executor executor, int maxQueued) {
        this.name = name;
        this.sessionId = sessionId;
        this.exporter = exporter;
        this.queue = new SerialQueue(executor, "exporter '" + name + "' of session '" + sessionId + "'", maxQueued);
    }

    /** @return the provider's name */
    public String name() {
        return name;
    }

    /** @return how many sample calls were dropped because the exporter fell behind */
    public long dropped() {
        return queue.dropped();
    }

    /** @return whether {@link #startDrain()} must follow (after the caller's lock) */
    public boolean enqueueStarted() {
        return queue.enqueue(() -> call("sessionStarted", () -> exporter.sessionStarted(sessionId)), false);
    }

    /** @return whether {@link #startDrain()} must follow (after the caller's lock) */
    public boolean enqueueSample(RttSample sample) {
        return queue.enqueue(() -> call("sampleRecorded", () -> exporter.sampleRecorded(sessionId, sample)), true);
    }

    /**
     * @param report the report
     * @param done   completed when {@code sessionEnded} returned or threw
     * @return whether {@link #startDrain()} must follow (after the caller's lock)
     */
    public boolean enqueueEnded(SessionReport report, CompletableFuture<Void> done) {
        return queue.enqueue(() -> {
            try {
                call("sessionEnded", () -> exporter.sessionEnded(report));
            } finally {
                done.complete(null);
            }
        }, false);
    }

    /** Starts running queued calls. */
    public void startDrain() {
        queue.startDrain();
    }

    private void call(String method, Call call) {
        try {
            call.run();
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "exporter '" + name + "' failed in " + method + " for session '" + sessionId
                    + "'; the other exporters still run", t);
        }
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    @Override
    public String toString() {
        return "exporter '" + name + "'";
    }
}
