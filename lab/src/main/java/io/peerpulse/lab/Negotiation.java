package io.peerpulse.lab;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What every lab peer shares: the connection configuration, webrtc-java's description callbacks as
 * futures, and a teardown step that never stops the rest of a teardown.
 */
final class Negotiation {

    private Negotiation() {
    }

    /** UDP host candidates only: the relay and the tests speak UDP. */
    static RTCConfiguration configuration() {
        RTCConfiguration configuration = new RTCConfiguration();
        PortAllocatorConfig ports = new PortAllocatorConfig();
        ports.setDisableTcp(true);
        configuration.portAllocatorConfig = ports;
        return configuration;
    }

    /** Completes {@code result} with the created description, or fails it with {@code failure} and the reason. */
    static CreateSessionDescriptionObserver created(CompletableFuture<RTCSessionDescription> result, String failure) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                result.complete(description);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new IllegalStateException(failure + ": " + error));
            }
        };
    }

    /** Completes {@code result} when the description is set, or fails it with {@code failure} and the reason. */
    static SetSessionDescriptionObserver set(CompletableFuture<Void> result, String failure) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                result.complete(null);
            }

            @Override
            public void onFailure(String error) {
                result.completeExceptionally(new IllegalStateException(failure + ": " + error));
            }
        };
    }

    /** Waits until {@code done} completes, however often interrupted; the interrupt is kept for the caller. */
    static void awaitUninterruptibly(Future<?> done) {
        boolean interrupted = false;
        while (true) {
            try {
                done.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException failed) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One teardown step: a half-closed native object must not keep the rest alive. */
    static <T> void quietly(@Nullable T target, Consumer<T> action) {
        if (target == null) {
            return;
        }
        try {
            action.accept(target);
        } catch (RuntimeException ignored) {
            // teardown goes on
        }
    }
}
