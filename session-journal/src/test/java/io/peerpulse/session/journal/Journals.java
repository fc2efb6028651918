package io.peerpulse.session.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.peerpulse.session.SessionReport;
import io.peerpulse.virtualtime.VirtualScheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/** Reading, editing and comparing journals in tests. */
final class Journals {

    private static final String CRC = ",\"crc\":\"";

    private Journals() {
    }

    /**
     * A wall clock that reads the scheduler's virtual time plus 1 ms more on every read, so that every clock
     * read of a session (the two views' polls, the application's calls) has its own value.
     */
    static InstantSource tickingClock(VirtualScheduler scheduler) {
        AtomicLong ticks = new AtomicLong();
        return new InstantSource() {
            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public long millis() {
                return scheduler.clock().millis() + ticks.getAndIncrement();
            }
        };
    }

    static List<String> lines(Path journal) throws IOException {
        return new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
    }

    static Path write(Path journal, List<String> lines) throws IOException {
        Files.write(journal, lines, StandardCharsets.UTF_8);
        return journal;
    }

    /** The line as it was checksummed: without its {@code crc} member. */
    static String unsealed(String line) {
        int at = line.lastIndexOf(CRC);
        assertThat(at).as("a crc member in " + line).isPositive();
        return line.substring(0, at) + "}";
    }

    /** A line edited by a test with its checksum made right again, so that recovery reads what was edited. */
    static String resealed(String line) {
        String body = unsealed(line);
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return body.substring(0, body.length() - 1) + CRC + String.format("%08x", crc.getValue()) + "\"}";
    }

    /** Recovery of a journal equals the live report field by field, with no problem. */
    static SessionJournal.Recovery assertRecoversAsLive(Path journal, SessionReport live) throws IOException {
        SessionJournal.Recovery recovery = SessionJournal.recover(journal);
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.problemCount()).isZero();
        SessionReport recovered = recovery.report();
        assertThat(recovered.sessionMetrics()).isEqualTo(live.sessionMetrics());
        assertThat(recovered.validationData().clock()).isEqualTo(live.validationData().clock());
        assertThat(recovered.validationData().coverage()).isEqualTo(live.validationData().coverage());
        assertThat(recovered.validationData()).isEqualTo(live.validationData());
        assertThat(recovered.multiplayerMetrics()).isEqualTo(live.multiplayerMetrics());
        assertThat(recovered).isEqualTo(live);
        return recovery;
    }
}
