package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.telemetry.spi.RttReading;
import io.peerpulse.telemetry.spi.RttSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves that the contract fails sources that break it, with a message that says why. */
class RttSourceContractSelfTest {

    /** Releases the blocking source's threads at the end of each test. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseBlockedReads() {
        release.countDown();
    }

    @Test
    void failsASourceWhoseReadBlocks() {
        RttSource blocking = () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedStage(RttReading.stale());
        };
        Kit kit = new Kit(blocking);

        assertThatThrownBy(kit::readReturnsPromptlyAndNeverNull)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() blocked");
        assertThatThrownBy(kit::everyReadIsAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() blocked");
        assertThat(kit.closes).hasValue(2);
    }

    @Test
    void failsASourceWhoseReadDoesItsIoOnTheCallersThread() {
        RttSource slow = () -> {
            blockingReceive(50); // the fault under test: 50 ms of I/O inside read()
            return CompletableFuture.completedStage(RttReading.measured(12));
        };
        Kit kit = new Kit(slow);

        // either way the kit names the fault; on a busy machine the 50 ms of I/O can outlast even the 0.2 s bound
        // of a read's return, and then that check speaks first
        assertThatThrownBy(kit::readDoesNotBlockItsCaller)
                .isInstanceOf(AssertionError.class)
                .hasMessageMatching("(?s)read\\(\\) (kept its calling thread longer than PT0\\.01S in [2-5] of 5 calls"
                        + "|blocked its calling thread for more than PT0\\.2S).*");
        assertThatCode(kit::everyReadIsAnswered).as("it is answered, only too late").doesNotThrowAnyException();
    }

    @Test
    void failsASourceReturningNull() {
        Kit kit = new Kit(() -> null);

        assertThatThrownBy(kit::readReturnsPromptlyAndNeverNull)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() returned null");
        assertThatThrownBy(kit::concurrentReadsAreAllAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() returned null");
    }

    @Test
    void failsASourceWhoseReadThrows() {
        Kit kit = new Kit(new ScriptedRttSource().thenThrow(new IllegalStateException("not started")));

        assertThatThrownBy(kit::readReturnsPromptlyAndNeverNull)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() threw")
                .hasRootCauseMessage("not started");
    }

    @Test
    void failsASourceThatNeverAnswers() {
        Kit kit = new Kit(new ScriptedRttSource().orElseHang());

        assertThatThrownBy(kit::everyReadIsAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("was not answered within");
    }

    @Test
    void failsASourceThatStopsAnsweringPartWay() {
        ScriptedRttSource source = new ScriptedRttSource();
        for (int i = 0; i < 10; i++) {
            source.thenMeasured(50.0);
        }
        Kit kit = new Kit(source.orElseHang());

        assertThatThrownBy(kit::sequentialReadsAreAllAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read 11 of 20 was not answered");
    }

    @Test
    void failsASourceAnsweringANullReading() {
        Kit kit = new Kit(() -> CompletableFuture.completedStage(null));

        assertThatThrownBy(kit::everyReadIsAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("null reading");
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.001, 60_000.001})
    void failsAnImplausibleMeasurement(double rttMs) {
        Kit kit = new Kit(new ScriptedRttSource().thenStale().thenMeasured(rttMs));

        assertThatThrownBy(kit::measuredRttIsPlausible)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("not a plausible RTT");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ICE failed towards 192.168.1.20:50000",
        "no route to [2001:db8::1]:3478",
        "candidate fe80::1ff:fe23:4567:890a%eth0 closed",
    })
    void failsAnUnavailableReasonRevealingAnAddress(String reason) {
        Kit kit = new Kit(ScriptedRttSource.repeating(RttReading.unavailable(reason)));

        assertThatThrownBy(kit::unavailableReasonIsSafe)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("reveals the IP address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  \t"})
    void failsABlankUnavailableReason(String reason) {
        Kit kit = new Kit(new ScriptedRttSource().thenUnavailable(reason));

        assertThatThrownBy(kit::unavailableReasonIsSafe)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("blank reason");
    }

    @Test
    void failsWhenCreateSourceReturnsNull() {
        Kit kit = new Kit(null);

        assertThatThrownBy(kit::everyReadIsAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("createSource()");
    }

    @Test
    void passesASourceThatAnswersLateOnAnotherThread() {
        Kit kit = new Kit(() -> CompletableFuture.supplyAsync(() -> RttReading.measured(12.5)));

        assertThatCode(() -> {
            kit.readReturnsPromptlyAndNeverNull();
            kit.readDoesNotBlockItsCaller();
            kit.everyReadIsAnswered();
            kit.sequentialReadsAreAllAnswered();
            kit.concurrentReadsAreAllAnswered();
            kit.measuredRttIsPlausible();
            kit.unavailableReasonIsSafe();
        }).doesNotThrowAnyException();
        assertThat(kit.closes).hasValue(7);
    }

    /** The contract applied to a given source, with short limits so that failing checks fail fast. */
    private static final class Kit extends RttSourceContract {
        private final RttSource source;
        private final AtomicInteger closes = new AtomicInteger();

        Kit(RttSource source) {
            this.source = source;
        }

        @Override
        protected RttSource createSource() {
            return source;
        }

        @Override
        protected Duration answerTimeout() {
            return Duration.ofMillis(200);
        }

        @Override
        protected Duration readReturnLimit() {
            return Duration.ofMillis(200);
        }

        @Override
        protected void closeSource(RttSource closed) {
            closes.incrementAndGet();
        }
    }

    /**
     * Real blocking I/O on the calling thread, the plugin author's mistake under test: a receive on a UDP
     * socket nobody sends to, which returns when its timeout passes.
     */
    static void blockingReceive(long millis) {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout((int) millis);
            socket.receive(new java.net.DatagramPacket(new byte[1], 1));
        } catch (java.net.SocketTimeoutException expected) {
            // the I/O took its time and found nothing: what a blocking read() does
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
