package io.peerpulse.export.files;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link OpenFilesLimitTest} in a child JVM under {@code ulimit -n}: prints the C library's words for a
 * missing file (the language it speaks), writes one export (loading the classes it runs), opens {@code /dev/null} until the process is at its limit of open files,
 * then writes an export into {@code args[0]} and prints the failure's message.
 */
public final class OpenFilesLimitMain {

    private OpenFilesLimitMain() {
    }

    public static void main(String[] args) throws IOException {
        // a first translated message loads the C library's catalog; from then on EMFILE's words are translated too
        try (FileInputStream missing = new FileInputStream(args[0] + "/missing")) {
            System.out.println("a missing file could be opened");
        } catch (IOException e) {
            System.out.println("missing file: " + e.getMessage());
        }
        // the classes it runs, loaded while they can be (from a jar they would be, from target/classes not)
        ExportFiles.write(Path.of(args[0], "warm-up"), "s", "json", out -> out.write('x'));
        List<FileChannel> held = new ArrayList<>();
        try {
            while (held.size() < 100_000) {
                held.add(FileChannel.open(Path.of("/dev/null")));
            }
        } catch (IOException limit) {
            System.out.print("at the limit after ");
            System.out.println(held.size());
        }
        try {
            ExportFiles.write(Path.of(args[0]), "s", "json", out -> out.write('x'));
            System.out.println("written");
        } catch (IOException e) {
            System.out.print("export: ");
            System.out.println(e.getMessage());
        }
    }
}
