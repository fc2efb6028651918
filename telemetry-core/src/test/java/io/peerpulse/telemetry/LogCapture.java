package io.peerpulse.telemetry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Captures the WARNINGs a logger (System.Logger backed by java.util.logging) receives while open. */
final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final List<String> all = new CopyOnWriteArrayList<>();
    private final String containing;

    LogCapture(Class<?> type) {
        this(type, "");
    }

    /** Keeps only the lines containing {@code containing} in {@link #warnings()}. */
    LogCapture(Class<?> type, String containing) {
        this.containing = containing;
        this.logger = Logger.getLogger(type.getName());
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            all.add(record.getMessage());
            if (record.getMessage().contains(containing)) {
                warnings.add(record.getMessage());
            }
        }
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Every WARNING line containing {@code text}, whatever the filter. */
    List<String> warnings(String text) {
        return all.stream().filter(w -> w.contains(text)).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
