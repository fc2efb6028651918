package io.peerpulse.testkit;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures the WARNING (and more severe) messages a logger receives while open, e.g. to check that a plugin's
 * failure is logged, or that nothing is. For {@link System.Logger}s backed by {@code java.util.logging} (the
 * JDK's default): the logger named after a class is the {@code System.Logger} of that name.
 *
 * <pre>{@code
 * try (LogCapture log = new LogCapture(RttPoller.class)) {
 *     ...
 *     assertThat(log.warnings()).isEmpty();
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /**
     * Starts capturing.
     *
     * @param type the class whose name is the logger's
     * @since 0.1.0
     */
    public LogCapture(Class<?> type) {
        this.logger = Logger.getLogger(Objects.requireNonNull(type, "type").getName());
        logger.addHandler(handler);
    }

    /**
     * @return the messages (unformatted) of the WARNINGs and more severe records captured so far, in order
     * @since 0.1.0
     */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * Stops capturing.
     *
     * @since 0.1.0
     */
    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
