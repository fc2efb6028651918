package io.peerpulse.cli;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where the command's own output goes. webrtc-java's native code writes to the process's file descriptor
 * 1 behind the JVM's back ("VM attach current thread failed" at exit) and cannot be silenced from Java;
 * so the {@code ./peerpulse} launcher points descriptor 1 at standard error and hands the real standard
 * output over as another descriptor, named by the environment variable {@value #ENV}. Only what the
 * command prints itself reaches standard output.
 */
final class StandardOutput {

    /** The environment variable naming the descriptor of the real standard output, e.g. {@code 3}. */
    static final String ENV = "PEERPULSE_STDOUT_FD";

    private StandardOutput() {
    }

    /** @return the real standard output: the descriptor named by {@value #ENV}, else {@code System.out} */
    static PrintWriter open() {
        String fd = System.getenv(ENV);
        if (fd != null && fd.matches("[0-9]{1,4}")) {
            try {
                // append: reopening a redirected file must not truncate what the shell already wrote
                return new PrintWriter(new OutputStreamWriter(new FileOutputStream("/dev/fd/" + fd, true),
                        StandardCharsets.UTF_8), true);
            } catch (FileNotFoundException | SecurityException e) {
                System.err.println("peerpulse: cannot open standard output as /dev/fd/" + fd + " (" + e.getMessage()
                        + "); writing to descriptor 1");
            }
        }
        return new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    }
}
