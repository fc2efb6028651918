package io.peerpulse.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.peerpulse.session.ConnectionEvent;
import io.peerpulse.session.ConnectionQuality;
import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.RttSample;
import io.peerpulse.telemetry.TelemetryCounters;
import io.peerpulse.telemetry.fixtures.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves that the exporter contract fails exporters that break it, with a message that says why. */
@ExtendWith(LogCapture.class) // the sessions made here log the faults they are given
class SessionExporterContractSelfTest {

    /** Releases hanging exporters at the end of each test. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseHangingExporters() {
        release.countDown();
    }

    @Test
    void failsAnExporterThatCannotTakeAReportWithoutLatency() {
        Kit kit = new Kit("npe", () -> report -> report.sessionMetrics().latency().sampleCount());

        assertThatThrownBy(kit::sessionEndedAcceptsAReportWithoutSamples)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sessionEnded with a report whose latency is null threw")
                .hasRootCauseInstanceOf(NullPointerException.class);
        assertThatCode(kit::aFullSessionInTheDocumentedOrderWorks).doesNotThrowAnyException();
    }

    /** The full session gives an exporter every notice a session gives, samples among them, in time order. */
    @Test
    void failsAnExporterThatThrowsOnAQualityChangeAndHearsEveryNotice() {
        java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        Kit kit = new Kit("notices", () -> new SessionExporter() {
            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                heard.add("sample");
            }

            @Override
            public void qualityChanged(String sessionId, io.peerpulse.session.QualityChange change) {
                heard.add("quality " + change.current());
                if (change.current() == io.peerpulse.session.ConnectionQuality.LOST) {
                    throw new IllegalStateException("lost");
                }
            }

            @Override
            public void connectionChanged(String sessionId, io.peerpulse.session.ConnectionEvent event) {
                heard.add("connection " + event.type());
            }

            @Override
            public void sourceChanged(String sessionId, String sourceName) {
                heard.add("source");
            }

            @Override
            public void pathChanged(String sessionId, io.peerpulse.session.PathChange change) {
                heard.add("path");
            }

            @Override
            public void sessionEnded(SessionReport report) {
                heard.add("end");
            }
        });

        assertThatThrownBy(kit::aFullSessionInTheDocumentedOrderWorks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("qualityChanged to LOST threw")
                .hasRootCauseMessage("lost");
        assertThat(heard).startsWith("source", "connection OPENED").contains("path", "sample", "quality GOOD",
                "connection CLOSED").doesNotContain("end");
        assertThat(heard.indexOf("connection CLOSED")).as("the close after the first connection's samples, before LOST")
                .isGreaterThan(heard.lastIndexOf("sample")).isLessThan(heard.indexOf("quality LOST"));
    }

    /**
     * Each call may take up to callTimeout(): a session's wait in twoSessionsAtTheSameTimeWork must cover every call
     * of it at that, or an exporter whose every call is in time fails it. It was callTimeout() x 44 for 52 calls.
     */
    @Test
    void theWaitForASessionCoversEveryCallOfItAtTheCallTimeout() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Kit kit = new Kit("counting", () -> new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) {
                calls.incrementAndGet();
            }

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                calls.incrementAndGet();
            }

            @Override
            public void qualityChanged(String sessionId, io.peerpulse.session.QualityChange change) {
                calls.incrementAndGet();
            }

            @Override
            public void connectionChanged(String sessionId, ConnectionEvent event) {
                calls.incrementAndGet();
            }

            @Override
            public void sourceChanged(String sessionId, String sourceName) {
                calls.incrementAndGet();
            }

            @Override
            public void pathChanged(String sessionId, io.peerpulse.session.PathChange change) {
                calls.incrementAndGet();
            }

            @Override
            public void sessionEnded(SessionReport report) {
                calls.incrementAndGet();
            }
        });
        kit.aFullSessionInTheDocumentedOrderWorks();

        assertThat(calls.get()).as("calls of a full session").isGreaterThan(44);
        assertThat(kit.sessionWait(SessionExporterContract.fullReport("contract-parallel-a")))
                .isGreaterThanOrEqualTo(kit.callTimeout().multipliedBy(calls.get()));
    }

    /** A session's build() refuses a setting under the exporter's prefix that settingKeys() does not declare. */
    @Test
    void failsAnExporterReadingASettingItsSettingKeysDoNotDeclare() {
        Kit kit = new Kit("acme", () -> report -> { }) {
            @Override
            protected SessionExporterProvider createProvider() {
                return new SessionExporterProvider() {
                    @Override
                    public String name() {
                        return "acme";
                    }

                    @Override
                    public java.util.Set<String> settingKeys() {
                        return java.util.Set.of("peerpulse.export.acme.dir");
                    }

                    @Override
                    public SessionExporter create(ExportSettings settings) {
                        String directory = settings.get("peerpulse.export.acme.directory").orElse("out");
                        return report -> java.util.Objects.requireNonNull(directory);
                    }
                };
            }
        };

        assertThatThrownBy(kit::settingKeysDeclareEverySettingTheExporterReads)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("read the setting peerpulse.export.acme.directory")
                .hasMessageContaining("settingKeys() [peerpulse.export.acme.dir] does not declare")
                .hasMessageContaining("build()");
        // what the check stands for: a session refuses the setting the exporter reads
        assertThatThrownBy(() -> io.peerpulse.session.GameSession.builder("s")
                .exporterProviders(List.of(kit.createProvider()))
                .exportSetting("peerpulse.export.acme.directory", "out").build().close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exportSetting 'peerpulse.export.acme.directory'");
    }

    @Test
    void passesAnExporterReadingWhatItDeclaresOrDeclaringNothing() {
        Kit declaring = new Kit("acme", () -> report -> { }) {
            @Override
            protected SessionExporterProvider createProvider() {
                return new SessionExporterProvider() {
                    @Override
                    public String name() {
                        return "acme";
                    }

                    @Override
                    public java.util.Set<String> settingKeys() {
                        return java.util.Set.of("peerpulse.export.acme.directory");
                    }

                    @Override
                    public SessionExporter create(ExportSettings settings) {
                        String directory = settings.get("peerpulse.export.acme.directory").orElse("out");
                        String other = settings.get("peerpulse.journal.directory").orElse("none"); // not its prefix
                        return report -> java.util.Objects.requireNonNull(directory + other);
                    }
                };
            }
        };
        assertThatCode(declaring::settingKeysDeclareEverySettingTheExporterReads).doesNotThrowAnyException();
        assertThatCode(new Kit("open", () -> report -> { })::settingKeysDeclareEverySettingTheExporterReads)
                .doesNotThrowAnyException();
    }

    @Test
    void failsAnExporterWhoseSessionEndedHangs() {
        Kit kit = new Kit("hang", () -> report -> release.await());

        assertThatThrownBy(kit::sessionEndedAcceptsAReportWithoutSamples)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not return within 200 ms");
    }

    /**
     * Plugin authors read these messages on machines in any locale: their numbers are ASCII digits. Under ar-EG
     * a session that did not end was "(٥٢ calls to its exporter at 200 ms each)" (String.format in the default
     * locale).
     */
    @Test
    void theMessageOfASessionThatDidNotEndHasAsciiDigitsInALocaleWithOtherDigits() {
        Kit kit = new Kit("hang", () -> new SessionExporter() {
            @Override
            public void sessionEnded(SessionReport report) {
            }
        }) {
            @Override
            protected void verifyExport(SessionReport report) throws Exception {
                release.await(); // the session does not end until the test is over
            }

            @Override
            Duration sessionWait(SessionReport report) {
                return Duration.ofMillis(50);
            }
        };
        java.util.Locale original = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("ar-EG"));
            assertThatThrownBy(kit::twoSessionsAtTheSameTimeWork)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("session 'contract-parallel-a' did not end within 50 ms (52 calls to its"
                            + " exporter at 200 ms each)");
        } finally {
            java.util.Locale.setDefault(original);
        }
    }

    @Test
    void failsAnExporterThatThrowsOnASample() {
        Kit kit = new Kit("flaky", () -> new SessionExporter() {
            private int samples;

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                if (++samples == 3) {
                    throw new IllegalStateException("third sample");
                }
            }

            @Override
            public void sessionEnded(SessionReport report) {
            }
        });

        assertThatThrownBy(kit::aFullSessionInTheDocumentedOrderWorks)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sampleRecorded #3 threw")
                .hasRootCauseMessage("third sample");
        assertThatThrownBy(kit::twoSessionsAtTheSameTimeWork).isInstanceOf(AssertionError.class);
    }

    @Test
    void failsAProviderWithAnInvalidName() {
        for (String name : new String[] {"JSON", "my exporter", "", "-json"}) {
            Kit kit = new Kit(name, () -> report -> { });
            assertThatThrownBy(kit::providerNameIsALowerCaseToken)
                    .as(name)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("must be a lower-case token");
        }
        assertThatThrownBy(new Kit(null, () -> report -> { })::providerNameIsALowerCaseToken)
                .hasMessageContaining("name() is null");
    }

    @Test
    void failsAProviderThatCreatesNothingOrTheSameExporterTwice() {
        assertThatThrownBy(new Kit("none", () -> null)::createAnswersANewExporterForEverySession)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("create(settings) answered null");
        SessionExporter shared = new SessionExporter() {
            @Override
            public void sessionEnded(SessionReport report) {
            }
        };
        assertThatThrownBy(new Kit("shared", () -> shared)::createAnswersANewExporterForEverySession)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("answered the same exporter")
                .hasMessageNotContaining("lambda");
    }

    @Test
    void aProviderReturningALambdaThatCapturesNothingIsToldWhyItIsTheSameExporter() {
        // `create` reads as "a new exporter each call", but Java makes a non-capturing lambda once
        assertThatThrownBy(new Kit("lambda", () -> report -> { })::createAnswersANewExporterForEverySession)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("answered the same exporter")
                .hasMessageContaining("a lambda that captures nothing, which Java makes once and reuses");
    }

    @Test
    void failsWhenCreateProviderAnswersNull() {
        Kit kit = new Kit("x", () -> report -> { }) {
            @Override
            protected SessionExporterProvider createProvider() {
                return null;
            }
        };
        assertThatThrownBy(kit::providerNameIsALowerCaseToken)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("createProvider()");
    }

    @Test
    void passesAWellBehavedExporterAndShowsItEveryReport() {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        List<SessionReport> verified = Collections.synchronizedList(new ArrayList<>());
        Kit kit = new Kit("recording", () -> new SessionExporter() {
            @Override
            public void sessionStarted(String sessionId) {
                calls.add("started " + sessionId);
            }

            @Override
            public void sampleRecorded(String sessionId, RttSample sample) {
                calls.add("sample " + sessionId);
            }

            @Override
            public void sessionEnded(SessionReport report) {
                calls.add("ended " + report.sessionMetrics().sessionId());
            }
        }) {
            @Override
            protected void verifyExport(SessionReport report) {
                verified.add(report);
            }
        };

        assertThatCode(() -> {
            kit.providerNameIsALowerCaseToken();
            kit.createAnswersANewExporterForEverySession();
            kit.sessionEndedAcceptsAReportWithoutSamples();
            kit.aFullSessionInTheDocumentedOrderWorks();
            kit.twoSessionsAtTheSameTimeWork();
        }).doesNotThrowAnyException();
        assertThat(calls).startsWith("started contract-empty", "ended contract-empty", "started contract-full",
                "sample contract-full");
        assertThat(calls).filteredOn(c -> c.equals("sample contract-full")).hasSize(40);
        assertThat(verified).extracting(r -> r.sessionMetrics().sessionId())
                .containsExactlyInAnyOrder("contract-empty", "contract-full", "contract-parallel-a", "contract-parallel-b");
    }

    @Test
    void theEmptyReportHasNoLatencyAnywhere() {
        SessionReport report = SessionExporterContract.reportWithoutSamples("empty");
        assertThat(report.sessionMetrics().latency()).isNull();
        assertThat(report.validationData().latency()).isNull();
        assertThat(report.multiplayerMetrics().latency()).isNull();
        assertThat(report.validationData().counters()).isEqualTo(TelemetryCounters.ZERO);
        assertThat(report.sessionMetrics().durationMs()).isEqualTo(5_000);
    }

    @Test
    void theFullReportHasEverythingAnExporterMayMeet() {
        SessionReport report = SessionExporterContract.fullReport("full");
        assertThat(report.sessionMetrics().latency().sampleCount()).isEqualTo(40);
        assertThat(report.sessionMetrics().connection().events()).extracting(ConnectionEvent::type)
                .containsExactly(ConnectionEvent.Type.OPENED, ConnectionEvent.Type.CLOSED,
                        ConnectionEvent.Type.RECONNECTED);
        assertThat(report.sessionMetrics().path()).hasToString("relay/srflx/udp");
        assertThat(report.validationData().counters().rejectedCount()).isEqualTo(1);
        assertThat(report.validationData().coverage().gaps()).hasSize(1);
        assertThat(report.multiplayerMetrics().rounds()).hasSize(2)
                .allSatisfy(round -> assertThat(round.latency().sampleCount()).isEqualTo(20));
        assertThat(report.multiplayerMetrics().pathChanges()).hasSize(2);
        assertThat(report.multiplayerMetrics().qualityChanges()).extracting(c -> c.current())
                .contains(ConnectionQuality.FAIR, ConnectionQuality.LOST, ConnectionQuality.GOOD);
        assertThat(IpAddresses.findIn(report.toString())).isEmpty();
    }

    /** The contract applied to a given provider, with a short call timeout so that failing checks fail fast. */
    private static class Kit extends SessionExporterContract {
        private final String name;
        private final Supplier<SessionExporter> exporters;

        Kit(String name, Supplier<SessionExporter> exporters) {
            this.name = name;
            this.exporters = exporters;
        }

        @Override
        protected SessionExporterProvider createProvider() {
            return new SessionExporterProvider() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public SessionExporter create(ExportSettings settings) {
                    return exporters.get();
                }
            };
        }

        @Override
        protected Duration callTimeout() {
            return Duration.ofMillis(200);
        }
    }
}
