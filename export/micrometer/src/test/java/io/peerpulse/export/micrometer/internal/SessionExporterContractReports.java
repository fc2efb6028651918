package io.peerpulse.export.micrometer.internal;

import io.peerpulse.session.SessionReport;
import io.peerpulse.testkit.SessionExporterContract;

/** Real reports made once by the testkit, in virtual time. */
final class SessionExporterContractReports {

    /** A session that never measured: counters zero, latency null. */
    static final SessionReport WITHOUT_SAMPLES = SessionExporterContract.reportWithoutSamples("no-samples");
    /** A full session: samples, every kind of poll outcome, two connections. */
    static final SessionReport FULL = SessionExporterContract.fullReport("full");

    private SessionExporterContractReports() {
    }
}
