package io.peerpulse.export.files;

import io.peerpulse.session.SessionReport;
import io.peerpulse.session.spi.ExportSettings;
import io.peerpulse.session.spi.SessionExporter;
import io.peerpulse.session.spi.SessionExporterProvider;
import io.peerpulse.telemetry.shared.Plugins;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The skeleton of a provider whose exporter writes one file per session: at
 * {@link SessionExporter#sessionEnded} it writes the report to {@code <dir>/<stem>.<extension>} by the file
 * rules of {@link ExportFiles} (a safe name from the session id, never overwriting, whole or not at all),
 * where {@code <dir>} is the setting {@code peerpulse.export.<name>.directory}, default
 * {@value ExportFiles#DEFAULT_DIRECTORY}. A subclass names itself, its extension and how a report becomes
 * bytes; the {@code json}, {@code csv} and {@code html} exporters are such subclasses.
 *
 * <pre>{@code
 * public final class YamlExporterProvider extends FileExporterProvider {
 *     public YamlExporterProvider() {                      // called by ServiceLoader
 *         super("yaml", "yaml", YamlReports::write);      // setting peerpulse.export.yaml.directory
 *     }
 * }
 * }</pre>
 *
 * <p>The directory setting is read and checked when the exporter is created, so a bad value, or one naming
 * an existing file, fails the session's {@code build()} (an {@link IllegalArgumentException} naming the
 * setting) rather than its end; the directory itself is created, and checked for writing, only when the
 * file is written.
 *
 * @since 0.1.0
 */
public abstract class FileExporterProvider implements SessionExporterProvider {

    private static final System.Logger LOG = System.getLogger(FileExporterProvider.class.getName());

    private final String name;
    private final String extension;
    private final ReportWriter writer;

    /**
     * Writes one report's file content.
     *
     * @since 0.1.0
     */
    @FunctionalInterface
    public interface ReportWriter {

        /**
         * Writes {@code report} to {@code out}.
         *
         * @param report the session's report
         * @param out    the file's stream; need not be closed (closing it only flushes it)
         * @throws IOException when the report cannot be written; then no file is left behind
         * @since 0.1.0
         */
        void write(SessionReport report, OutputStream out) throws IOException;
    }

    /**
     * Makes the provider.
     *
     * @param name      the provider's name ({@link SessionExporterProvider#name()}): lower-case letters,
     *                  digits, {@code -} and {@code _}, starting with a letter or digit; also names the
     *                  directory setting
     * @param extension the files' extension: 1 to 16 lower-case letters or digits, e.g. {@code json}
     * @param writer    writes a report's content
     * @throws IllegalArgumentException naming the bad name or extension
     * @since 0.1.0
     */
    protected FileExporterProvider(String name, String extension, ReportWriter writer) {
        if (name == null || !Plugins.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be lower-case letters, digits, '-' and '_', starting"
                    + " with a letter or digit, was " + (name == null ? null : "'" + name + "'"));
        }
        ExportFiles.checkExtension(extension);
        this.name = name;
        this.extension = extension;
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /** @return the directory setting, {@code peerpulse.export.<name>.directory}, the one key it reads */
    @Override
    public java.util.Set<String> settingKeys() {
        return java.util.Set.of("peerpulse.export." + name + ".directory");
    }

    /**
     * {@inheritDoc}
     *
     * @return the name given to the constructor
     * @since 0.1.0
     */
    @Override
    public final String name() {
        return name;
    }

    /**
     * The extension of the files written, without the dot.
     *
     * @return the extension given to the constructor, e.g. {@code json}
     * @since 0.1.0
     */
    public final String extension() {
        return extension;
    }

    /**
     * The setting naming the directory of the files: {@code peerpulse.export.<name>.directory}.
     *
     * @return the setting's key
     * @since 0.1.0
     */
    public final String directorySetting() {
        return "peerpulse.export." + name + ".directory";
    }

    /**
     * The directory the exporter of these settings writes to, by {@link ExportFiles#directory}: the
     * {@linkplain #directorySetting() setting}, else {@value ExportFiles#DEFAULT_DIRECTORY} (relative to the
     * working directory). Nothing is created on disk; an existing file there is refused.
     *
     * @param settings the session's export settings
     * @return the directory
     * @throws IllegalArgumentException naming the setting when its value is blank, not a valid path, starts or
     *                                  ends with white space, or starts with {@code ~}, or names an existing file
     * @since 0.1.0
     */
    public final Path directory(ExportSettings settings) {
        Path directory = ExportFiles.directory(settings, directorySetting());
        if (Files.exists(directory) && !Files.isDirectory(directory)) { // found at build(), not at the session's end
            throw new IllegalArgumentException(directorySetting() + " is '" + directory
                    + "', which is a file, not a directory");
        }
        return directory;
    }

    /**
     * Makes an exporter that writes the report to {@code <directory>/<stem>.<extension>} at
     * {@link SessionExporter#sessionEnded} with {@link ExportFiles#write}, which names the file
     * ({@code <stem>-1.<extension>}, … when taken) and throws the {@link IOException} that fails the export
     * when the directory cannot be used. It keeps nothing between calls.
     *
     * @param settings the session's export settings
     * @return a new exporter
     * @throws IllegalArgumentException naming the directory setting when its value is refused, as by
     *                                  {@link #directory}
     * @since 0.1.0
     */
    @Override
    public final SessionExporter create(ExportSettings settings) {
        return new FileExporter(this, directory(settings));
    }

    /** One session's exporter: all it holds is the directory. */
    private static final class FileExporter implements SessionExporter {
        private final FileExporterProvider provider;
        private final Path directory;

        FileExporter(FileExporterProvider provider, Path directory) {
            this.provider = provider;
            this.directory = directory;
        }

        @Override
        public void sessionEnded(SessionReport report) throws IOException {
            Path file = ExportFiles.write(directory, report.sessionMetrics().sessionId(), provider.extension,
                    out -> provider.writer.write(report, out));
            LOG.log(Level.DEBUG, () -> "session '" + report.sessionMetrics().sessionId() + "' exported by "
                    + provider.name + " to " + file);
        }

        @Override
        public String toString() {
            return provider.name + " exporter[" + directory + "]";
        }
    }
}
