package io.peerpulse.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;

/**
 * Child main of {@link StandardOutputTest}: writes far more lines than a pipe holds to descriptor 1 as the command
 * writes its output, then exits with {@link Main#exitCode}'s code, as {@link Main#main} does.
 */
final class BrokenPipeProbeMain {

    private BrokenPipeProbeMain() {
    }

    public static void main(String[] args) {
        StandardOutput.Writer out = new StandardOutput.Writer(new FileOutputStream(FileDescriptor.out));
        PrintWriter err = new PrintWriter(System.err, true);
        for (int i = 0; i < 100_000 && out.failure().isEmpty(); i++) {
            out.println("session-" + i + ",line of a summary");
        }
        System.exit(Main.exitCode(0, out, err));
    }
}
