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
        kit.readReturnLimit = Duration.ofMillis(200); // it blocks until released: any limit fails it, a short one fast

        assertThatThrownBy(kit::readReturnsPromptlyAndNeverNull)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() blocked");
        assertThatThrownBy(kit::everyReadIsAnswered)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read() blocked");
        assertThat(kit.closes).hasValue(2);
    }

    @Test
    void passesASourceSlowInTwoOfTenCallsAsTheTelemetryDoes() {
        AtomicInteger calls = new AtomicInteger();
        RttSource sometimesSlow = () -> {
            int n = calls.incrementAndGet();
            if (n <= 3 || n == 5 || n == 9) { // a cold start, then a preempted thread twice
                blockingReceive(30);
            }
            return CompletableFuture.completedStage(RttReading.measured(12));
        };

        assertThatCode(new Kit(sometimesSlow)::readDoesNotBlockItsCaller).doesNotThrowAnyException();
    }

    @Test
    void failsASourceWhoseReadDoesItsIoOnTheCallersThread() {
        RttSource slow = () -> {
            blockingReceive(50); // the fault under test: 50 ms of I/O inside read()
            return CompletableFuture.completedStage(RttReading.measured(12));
        };
        Kit kit = new Kit(slow);

        assertThatThrownBy(kit::readDoesNotBlockItsCaller)
                .isInstanceOf(AssertionError.class)
                // every call blocks 50 ms, but on a loaded machine the kit may take one as preempted: not all 10
                .hasMessageMatching("(?s)read\\(\\) and attaching to its stage kept the calling thread longer than"
                        + " 10 ms in ([4-9]|10) of 10 calls .*")
                .hasMessageNotContaining("PT0");
        assertThatCode(kit::everyReadIsAnswered).as("it is answered, only too late").doesNotThrowAnyException();
    }

    @Test
    void failsASourceWhoseNameThrowsNamingTheMethod() {
        RttSource nameless = new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.measured(12));
            }

            @Override
            public String name() {
                throw new IllegalStateException("not connected yet");
            }
        };

        // a session's onDataChannelOpen calls name() and fails with what it threw: the source cannot be used
        assertThatThrownBy(new Kit(nameless)::nameAndRefreshPeriodAreWhatASessionAccepts)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("name() threw java.lang.IllegalStateException: not connected yet")
                .hasMessageContaining("onDataChannelOpen");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-PT1S", "PT1H0.001S", "null"})
    void failsARefreshPeriodASessionRefuses(String period) {
        Duration refresh = period.equals("null") ? null : Duration.parse(period);
        RttSource odd = new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.measured(12));
            }

            @Override
            public Duration refreshPeriod() {
                return refresh;
            }
        };

        assertThatThrownBy(new Kit(odd)::nameAndRefreshPeriodAreWhatASessionAccepts)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("refreshPeriod() answered " + refresh)
                .hasMessageContaining("from 0 to 1 h");
    }

    @Test
    void passesTheDefaultNameAndRefreshPeriodAndAnHourOrLess() {
        assertThatCode(new Kit(() -> CompletableFuture.completedStage(RttReading.measured(12)))
                ::nameAndRefreshPeriodAreWhatASessionAccepts).doesNotThrowAnyException();
        RttSource hourly = new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.stale());
            }

            @Override
            public Duration refreshPeriod() {
                return Duration.ofHours(1);
            }
        };
        assertThatCode(new Kit(hourly)::nameAndRefreshPeriodAreWhatASessionAccepts).doesNotThrowAnyException();
    }

    @Test
    void failsASourceWhoseSecondCloseThrows() {
        AtomicInteger closes = new AtomicInteger();
        RttSource once = new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.measured(12));
            }

            @Override
            public void close() {
                if (closes.incrementAndGet() > 1) {
                    throw new IllegalStateException("already closed");
                }
            }
        };

        assertThatThrownBy(new Kit(once)::closingAgainIsHarmless)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("close() called again threw java.lang.IllegalStateException: already closed");
        assertThat(closes).as("closeSource, then close() again").hasValue(2);
        assertThatCode(new Kit(() -> CompletableFuture.completedStage(RttReading.stale()))::closingAgainIsHarmless)
                .doesNotThrowAnyException();
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
        kit.answerTimeout = Duration.ofMillis(200); // it never answers: any timeout fails it, a short one fast

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
        kit.answerTimeout = Duration.ofMillis(200);

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
            kit.aFreshSourceMeasures();
        }).doesNotThrowAnyException();
        assertThat(kit.closes).hasValue(8);
    }

    @Test
    void failsASourceThatNeverMeasures() {
        Kit kit = new Kit(ScriptedRttSource.repeating(RttReading.stale()));
        kit.answerTimeout = Duration.ofMillis(200); // how long it reads before it gives up

        assertThatThrownBy(kit::aFreshSourceMeasures)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no read of a fresh source measured within 200 ms (answers: stale)")
                .hasMessageContaining("override measures()");
        Kit saysSo = new Kit(ScriptedRttSource.repeating(RttReading.stale()));
        saysSo.measures = false;
        assertThatCode(saysSo::aFreshSourceMeasures).doesNotThrowAnyException();
    }

    @Test
    void aSourceThatNeverMeasuresBecauseEveryReadFailsIsToldWhatTheReadsFailedWith() {
        Kit kit = new Kit(() -> CompletableFuture.failedStage(new IllegalStateException("no selected candidate pair")));
        kit.answerTimeout = Duration.ofMillis(200);

        assertThatThrownBy(kit::aFreshSourceMeasures)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no read of a fresh source measured within 200 ms (answers: failed, the first"
                        + " with java.lang.IllegalStateException: no selected candidate pair)")
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("no selected candidate pair");
    }

    @Test
    void failsASourceThatWaitsForItsAnswerInsideReadEvenWithAPeerAnsweringAtOnce() throws Exception {
        try (DelayingEcho instant = DelayingEcho.start(Duration.ZERO)) {
            // with a peer answering at once the wait is too short to see: the 10 ms check cannot catch it
            assertThatCode(new Kit(new WaitingUdpSource(instant.address()))::readDoesNotBlockItsCaller)
                    .doesNotThrowAnyException();
            assertThatCode(new Kit(new WaitingUdpSource(instant.address()))::aFreshSourceMeasures)
                    .doesNotThrowAnyException();
            Kit kit = new Kit(new WaitingUdpSource(instant.address()));
            kit.slowPeer = delay -> new WaitingUdpSource(DelayingEcho.start(delay));
            // against the kit's slow peer it holds its caller for the whole delay
            assertThatThrownBy(kit::readDoesNotWaitForItsAnswer)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageMatching("(?s)read\\(\\) held its caller for 50 ms \\(half the peer's answer delay of"
                            + " 100 ms\\) or longer, or kept it the whole delay, in ([4-9]|10) of 10 calls .*")
                    .hasMessageContaining("it waits for its answer")
                    .hasMessageNotContaining("PT0");
        }
    }

    @Test
    void failsASourceThatSpinsForItsAnswerAlsoWhenTheMachineIsLoaded() {
        Kit kit = new Kit(null);
        kit.slowPeer = delay -> new SpinningUdpSource(DelayingEcho.start(delay));
        // a loaded machine at its worst: every nanosecond of every call waited, runnable, for a CPU
        kit.runQueueWait = System::nanoTime;

        assertThatThrownBy(kit::readDoesNotWaitForItsAnswer)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("or kept it the whole delay, in 10 of 10 calls")
                .hasMessageContaining("it waits for its answer");
    }

    /**
     * Plugin authors read these messages on machines in any locale: their numbers are ASCII digits. Under ar-EG
     * they said "from 0 to ١ h" and "in ١٠ of ١٠ calls" (String.format in the default locale).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ar-EG", "fa-IR"})
    void theMessagesHaveAsciiDigitsInALocaleWithOtherDigits(String tag) {
        Kit refreshesTooRarely = new Kit(new RttSource() {
            @Override
            public java.util.concurrent.CompletionStage<RttReading> read() {
                return CompletableFuture.completedStage(RttReading.measured(12));
            }

            @Override
            public Duration refreshPeriod() {
                return Duration.ofHours(2);
            }
        });
        Kit spins = new Kit(null);
        spins.slowPeer = delay -> new SpinningUdpSource(DelayingEcho.start(delay));
        spins.runQueueWait = System::nanoTime; // every call then kept its caller the whole delay: 10 of 10
        java.util.Locale original = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag(tag));
            assertThatThrownBy(refreshesTooRarely::nameAndRefreshPeriodAreWhatASessionAccepts)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("refreshPeriod() answered PT2H")
                    .hasMessageContaining("is not from 0 to 1 h");
            assertThatThrownBy(spins::readDoesNotWaitForItsAnswer)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("or kept it the whole delay, in 10 of 10 calls");
        } finally {
            java.util.Locale.setDefault(original);
        }
    }

    @Test
    void passesASourceAnsweredOnAnotherThreadAgainstTheSlowPeerAlsoWhenTheMachineIsLoaded() {
        Kit kit = new Kit(null);
        kit.slowPeer = delay -> new AsyncUdpSource(DelayingEcho.start(delay));
        kit.runQueueWait = System::nanoTime;

        assertThatCode(kit::readDoesNotWaitForItsAnswer).doesNotThrowAnyException();
    }

    @Test
    void passesASourceThatSendsAndIsAnsweredOnAnotherThreadAgainstTheSlowPeer() throws Exception {
        Kit kit = new Kit(null);
        kit.slowPeer = delay -> new AsyncUdpSource(DelayingEcho.start(delay));

        assertThatCode(kit::readDoesNotWaitForItsAnswer).doesNotThrowAnyException();
    }

    @Test
    void theSlowPeerCheckIsSkippedWhenTheTestMakesNoSuchSource() {
        Kit kit = new Kit(ScriptedRttSource.repeating(RttReading.measured(3)));

        assertThatThrownBy(kit::readDoesNotWaitForItsAnswer)
                .isInstanceOf(org.opentest4j.TestAbortedException.class)
                .hasMessageContaining("createSourceWithSlowPeer(Duration) is not overridden");
    }

    /** The mistake under test: read() sends a ping and waits for the answer on the caller's thread. */
    static final class WaitingUdpSource implements RttSource, AutoCloseable {
        private final java.net.DatagramSocket socket;
        private final @org.jspecify.annotations.Nullable DelayingEcho owned;

        WaitingUdpSource(java.net.InetSocketAddress peer) throws java.io.IOException {
            this(peer, null);
        }

        WaitingUdpSource(DelayingEcho owned) throws java.io.IOException {
            this(owned.address(), owned);
        }

        private WaitingUdpSource(java.net.InetSocketAddress peer, @org.jspecify.annotations.Nullable DelayingEcho owned)
                throws java.io.IOException {
            this.owned = owned;
            this.socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
            socket.connect(peer);
            socket.setSoTimeout(5_000);
        }

        @Override
        public synchronized java.util.concurrent.CompletionStage<RttReading> read() {
            try {
                long sent = System.nanoTime();
                socket.send(new java.net.DatagramPacket(new byte[8], 8));
                socket.receive(new java.net.DatagramPacket(new byte[8], 8)); // waits for the answer: the fault
                return CompletableFuture.completedStage(RttReading.measured((System.nanoTime() - sent) / 1e6));
            } catch (java.io.IOException e) {
                return CompletableFuture.failedStage(e);
            }
        }

        @Override
        public void close() {
            socket.close();
            if (owned != null) {
                owned.close();
            }
        }
    }

    /** Done right: read() sends and returns; a thread of its own completes the read when the answer arrives. */
    static final class AsyncUdpSource implements RttSource, AutoCloseable {
        private final DelayingEcho peer;
        private final java.net.DatagramSocket socket;
        private final java.util.Map<Long, CompletableFuture<RttReading>> pending =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

        AsyncUdpSource(DelayingEcho peer) throws java.io.IOException {
            this.peer = peer;
            this.socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
            socket.connect(peer.address());
            Thread receiver = new Thread(this::receive, "async-udp-source");
            receiver.setDaemon(true);
            receiver.start();
        }

        @Override
        public java.util.concurrent.CompletionStage<RttReading> read() {
            long n = sequence.incrementAndGet();
            CompletableFuture<RttReading> answer = new CompletableFuture<>();
            pending.put(n, answer);
            long sent = System.nanoTime();
            byte[] ping = java.nio.ByteBuffer.allocate(8).putLong(n).array();
            try {
                socket.send(new java.net.DatagramPacket(ping, 8)); // a UDP send does not wait for anyone
            } catch (java.io.IOException e) {
                pending.remove(n);
                answer.completeExceptionally(e);
                return answer;
            }
            return answer.thenApply(ignored -> RttReading.measured((System.nanoTime() - sent) / 1e6));
        }

        private void receive() {
            byte[] buffer = new byte[8];
            while (!socket.isClosed()) {
                try {
                    socket.receive(new java.net.DatagramPacket(buffer, 8));
                } catch (java.io.IOException closed) {
                    return;
                }
                CompletableFuture<RttReading> answer = pending.remove(java.nio.ByteBuffer.wrap(buffer).getLong());
                if (answer != null) {
                    answer.complete(RttReading.stale());
                }
            }
        }

        @Override
        public void close() {
            socket.close();
            peer.close();
        }
    }

    /** The mistake under test: read() sends, then spins on the caller's thread until the answer came. */
    static final class SpinningUdpSource implements RttSource, AutoCloseable {
        private final AsyncUdpSource sender;

        SpinningUdpSource(DelayingEcho peer) throws java.io.IOException {
            this.sender = new AsyncUdpSource(peer);
        }

        @Override
        public java.util.concurrent.CompletionStage<RttReading> read() {
            CompletableFuture<RttReading> answer = sender.read().toCompletableFuture();
            while (!answer.isDone()) {
                Thread.onSpinWait(); // holds the caller as a blocking wait does, but stays runnable
            }
            return answer;
        }

        @Override
        public void close() {
            sender.close();
        }
    }

    /**
     * The contract applied to a given source. Its limits are patient (5 s) as a loaded machine needs them: there a
     * new thread may wait longer than 200 ms for a CPU before its read() returns, and a test that passes or
     * expects another failure then fails with "blocked". A test of a source that never returns or never answers
     * shortens the limit it expects to fail, so that it fails fast.
     */
    private static final class Kit extends RttSourceContract {
        private final RttSource source;
        private final AtomicInteger closes = new AtomicInteger();
        boolean measures = true;
        Duration readReturnLimit = Duration.ofSeconds(5);
        Duration answerTimeout = Duration.ofSeconds(5);
        @org.jspecify.annotations.Nullable SlowPeer slowPeer;

        @FunctionalInterface
        interface SlowPeer {
            RttSource create(Duration delay) throws Exception;
        }

        @Override
        protected boolean measures() {
            return measures;
        }

        @Override
        protected @org.jspecify.annotations.Nullable RttSource createSourceWithSlowPeer(Duration delay) throws Exception {
            return slowPeer == null ? null : slowPeer.create(delay);
        }

        Kit(RttSource source) {
            this.source = source;
        }

        @Override
        protected RttSource createSource() {
            return source;
        }

        @Override
        protected Duration answerTimeout() {
            return answerTimeout;
        }

        @Override
        protected Duration readReturnLimit() {
            return readReturnLimit;
        }

        @Override
        protected void closeSource(RttSource closed) throws Exception {
            closes.incrementAndGet();
            closed.close();
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
