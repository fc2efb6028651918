package io.peerpulse.session.journal;

import io.peerpulse.session.journal.internal.JournalWriter;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A journal sink that forwards every call to the real one: a test overrides only what it changes. */
public class ForwardingSink implements JournalWriter.Sink {

    /** The file's own sink. */
    protected final JournalWriter.Sink real;

    /** @param real the file's own sink */
    public ForwardingSink(JournalWriter.Sink real) {
        this.real = real;
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        real.write(bytes);
    }

    @Override
    public void force() throws IOException {
        real.force();
    }

    @Override
    public void close() throws IOException {
        real.close();
    }
}
