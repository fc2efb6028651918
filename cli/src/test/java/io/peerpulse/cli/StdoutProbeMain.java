package io.peerpulse.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Child main of {@link StandardOutputTest}: writes as the command does, and as native code does (to fd 1). */
final class StdoutProbeMain {

    private StdoutProbeMain() {
    }

    public static void main(String[] args) throws IOException {
        PrintWriter ours = StandardOutput.open();
        ours.println("our table line");
        ours.flush();
        FileOutputStream descriptorOne = new FileOutputStream(FileDescriptor.out);
        descriptorOne.write("VM attach current thread failed\n".getBytes(StandardCharsets.UTF_8));
        descriptorOne.flush();
        System.out.println("a stray System.out line");
        System.out.flush();
    }
}
