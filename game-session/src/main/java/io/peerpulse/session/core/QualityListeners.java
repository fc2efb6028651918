package io.peerpulse.session.core;

import io.peerpulse.session.QualityChange;
import io.peerpulse.session.QualityListener;
import io.peerpulse.session.internal.SerialQueue;

import io.peerpulse.telemetry.shared.Redaction;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/** A session's quality listeners, told of each change in order on one serial queue of the executor. */
final class QualityListeners {

    private static final System.Logger LOG = System.getLogger(QualityListeners.class.getName());

    private final String sessionId;
    private final List<QualityListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialQueue queue;

    QualityListeners(String sessionId, Executor executor) {
        this.sessionId = sessionId;
        this.queue = new SerialQueue(executor, "quality listeners of session '" + sessionId + "'", Integer.MAX_VALUE);
    }

    void add(QualityListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    boolean remove(QualityListener listener) {
        return listeners.remove(listener);
    }

    /**
     * Queues the change for every listener; under the session's lock.
     *
     * @return whether {@link #startDrain()} must follow, after the lock
     */
    boolean enqueue(QualityChange change) {
        return !listeners.isEmpty() && queue.enqueue(() -> notifyAll(change), false);
    }

    void startDrain() {
        queue.startDrain();
    }

    /**
     * @return completed once every change queued so far was told (or can never be: the executor rejected it); at
     *         once when none is queued
     */
    CompletableFuture<Void> drained() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (queue.idle()) {
            done.complete(null);
        } else if (queue.enqueue(() -> { }, done)) {
            queue.startDrain();
        }
        return done;
    }

    private void notifyAll(QualityChange change) {
        for (QualityListener listener : listeners) {
            try {
                listener.qualityChanged(change);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "a QualityListener of session '" + sessionId + "' failed: "
                        + Redaction.redact(String.valueOf(listener)), Redaction.redactThrown(t));
            }
        }
    }
}
