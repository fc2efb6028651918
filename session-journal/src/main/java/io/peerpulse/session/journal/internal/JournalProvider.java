package io.peerpulse.session.journal.internal;

import io.peerpulse.session.core.EventLog;
import io.peerpulse.session.core.EventLogProvider;
import io.peerpulse.session.core.SessionConfig;
import io.peerpulse.session.core.SessionEvent;
import io.peerpulse.session.core.SessionStart;
import io.peerpulse.export.files.ExportFiles;
import io.peerpulse.session.spi.ExportSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * Opens a session's journal: {@code <dir>/<stem>.journal.jsonl} (never an existing file), its header first,
 * then one line per applied event, numbered here.
 */
public final class JournalProvider implements EventLogProvider {

    /** For {@link java.util.ServiceLoader}. */
    public JournalProvider() {
    }

    @Override
    public Optional<EventLog> open(SessionConfig config, SessionStart start, ExportSettings settings) {
        Optional<String> value = settings.get(DIRECTORY_SETTING);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        // blank, not a path, or an unexpanded ~: refused as the file exporters refuse their directory
        Path directory = ExportFiles.directory(settings, DIRECTORY_SETTING);
        boolean fsync = settings.get(FSYNC_SETTING).map(JournalProvider::parseFsync).orElse(false);
        UnaryOperator<JournalWriter.Sink> wrapper = settings.attribute(JournalWriter.SinkWrapper.class)
                .<UnaryOperator<JournalWriter.Sink>>map(w -> w).orElse(UnaryOperator.identity());
        Executor executor = settings.attribute(JournalWriter.IoExecutor.class).<Executor>map(e -> e)
                .orElseGet(JournalWriter::ioExecutor);
        String sessionId = config.sessionId();
        JournalWriter writer;
        try {
            writer = JournalWriter.create(directory, ExportFiles.fileStem(sessionId), sessionId, fsync, wrapper,
                    executor, config.exporterTimeout(), JournalCodec.header(config, start));
        } catch (IOException e) {
            throw new UncheckedIOException("session '" + sessionId + "': " + e.getMessage(), e);
        }
        return Optional.of(new Journal(writer));
    }

    private static boolean parseFsync(String value) {
        String text = value.strip();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(FSYNC_SETTING + " must be true or false, was '" + value + "'");
    }

    /** The log: calls come under the session core's lock, one at a time; the writer writes on its own thread. */
    private static final class Journal implements EventLog {
        private final JournalWriter writer;
        /** The last line's number: the header is 0; a line that fails keeps its number (a gap on recovery). */
        private long seq;

        Journal(JournalWriter writer) {
            this.writer = writer;
        }

        @Override
        public void append(SessionEvent event) {
            writer.append(JournalCodec.encode(event, ++seq), event instanceof SessionEvent.Ended);
        }

        @Override
        public void close() {
            writer.close();
        }

        @Override
        public boolean awaitClosed(Duration timeout) {
            return writer.awaitClosed(timeout);
        }

        @Override
        public Optional<Path> path() {
            return Optional.of(writer.path());
        }

        @Override
        public long failureCount() {
            return writer.failures();
        }
    }
}
