package io.peerpulse.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The libraries' log records (an exporter that failed, say) as one line each on standard error; their
 * stack traces only with {@code --verbose}.
 */
final class Logs {

    private Logs() {
    }

    static void configure(boolean verbose) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler(); // standard error
        try {
            console.setEncoding("UTF-8"); // as the command's own lines there (Main), whatever file.encoding says
        } catch (java.io.UnsupportedEncodingException impossible) {
            throw new AssertionError(impossible);
        }
        console.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                StringBuilder line = new StringBuilder("peerpulse: ").append(record.getLevel().getName().toLowerCase(
                        java.util.Locale.ROOT)).append(": ").append(formatMessage(record).lines().findFirst().orElse(""));
                Throwable thrown = record.getThrown();
                if (thrown != null && !verbose) {
                    line.append(" (").append(Errors.oneLine(thrown)).append(")");
                }
                line.append(System.lineSeparator());
                if (thrown != null && verbose) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    thrown.printStackTrace(new java.io.PrintWriter(trace));
                    line.append(trace);
                }
                return line.toString();
            }
        });
        root.addHandler(console);
    }
}
