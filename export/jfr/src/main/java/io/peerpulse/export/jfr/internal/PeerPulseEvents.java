package io.peerpulse.export.jfr.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Percentage;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;
import org.jspecify.annotations.Nullable;

/**
 * The JFR events of PeerPulse, named {@code io.peerpulse.*} and in the category {@code PeerPulse} as the JDK's
 * are {@code jdk.*} in {@code Java Virtual Machine} or {@code Java Application}. Enabled by default without
 * stack traces (a stack of an exporter thread says nothing). RTTs are doubles in milliseconds, said in their
 * labels (JFR's {@code @Timespan} is for whole numbers); times and durations carry JFR's own units.
 */
final class PeerPulseEvents {

    private PeerPulseEvents() {
    }

    /** The category of every event. */
    static final String CATEGORY = "PeerPulse";

    /** An RTT sample of a session. */
    @Name("io.peerpulse.RttSample")
    @Label("RTT Sample")
    @Category({CATEGORY, "Session"})
    @Description("A round-trip time a PeerPulse session recorded, with the source and network path it came from")
    @StackTrace(false)
    static final class RttSampleEvent extends Event {
        @Label("Session Id")
        String sessionId = "";

        @Label("Source")
        @Description("The RTT source measuring, e.g. probe or ice")
        String source = "";

        @Label("RTT (ms)")
        @Description("The round-trip time in milliseconds")
        double rttMs;

        @Label("Path")
        @Description("The latest network path the session recorded, of either view (local/remote/protocol), empty before")
        String path = "";

        @Label("Sample Time")
        @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
        long sampleTime;
    }

    /** A change of a session's connection quality. */
    @Name("io.peerpulse.QualityChange")
    @Label("Quality Change")
    @Category({CATEGORY, "Session"})
    @Description("The connection quality of a PeerPulse session changed grade, with the reasons")
    @StackTrace(false)
    static final class QualityChangeEvent extends Event {
        @Label("Session Id")
        String sessionId = "";

        @Label("From")
        String from = "";

        @Label("To")
        String to = "";

        @Label("Score")
        @Description("The quality score judged at the change, 0 to 100; NaN when none was")
        double score;

        @Label("Recent Median RTT (ms)")
        @Description("The median of the recent RTTs, milliseconds; NaN when none")
        double recentMedianMs;

        @Label("Reasons")
        @Description("Why, one reason after another, separated by '; '")
        String reasons = "";

        @Label("Change Time")
        @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
        long changeTime;
    }

    /** An open, reopen, reconnection or close of a session's data channel. */
    @Name("io.peerpulse.Connection")
    @Label("Connection")
    @Category({CATEGORY, "Session"})
    @Description("The data channel of a PeerPulse session opened, reopened, reconnected or closed")
    @StackTrace(false)
    static final class ConnectionEvent extends Event {
        @Label("Session Id")
        String sessionId = "";

        @Label("Type")
        @Description("OPENED, REOPENED, RECONNECTED or CLOSED")
        String type = "";

        @Label("Reason")
        @Description("Why it closed (addresses redacted); empty otherwise")
        String reason = "";

        @Label("Source")
        @Description("The RTT source measuring after it")
        String source = "";

        @Label("Event Time")
        @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
        long eventTime;
    }

    /** The end of a session, with its summary. */
    @Name("io.peerpulse.SessionEnd")
    @Label("Session End")
    @Category({CATEGORY, "Session"})
    @Description("A PeerPulse session ended: its RTT summary over every sample, coverage and time in each quality")
    @StackTrace(false)
    static final class SessionEndEvent extends Event {
        @Label("Session Id")
        String sessionId = "";

        @Label("Player Id")
        String playerId = "";

        @Label("Session Duration")
        @Timespan(Timespan.MILLISECONDS)
        long sessionDuration;

        @Label("Sample Count")
        @Description("Every sample recorded, evicted ones included")
        long sampleCount;

        @Label("Min RTT (ms)")
        double minMs;

        @Label("Median RTT (ms)")
        double medianMs;

        @Label("P95 RTT (ms)")
        double p95Ms;

        @Label("Max RTT (ms)")
        double maxMs;

        @Label("Covered")
        @Description("The share of the measuring time outside gaps")
        @Percentage
        double covered;

        @Label("Quality")
        @Description("The connection quality at the end")
        String quality = "";

        @Label("Time Good")
        @Timespan(Timespan.MILLISECONDS)
        long timeGood;

        @Label("Time Fair")
        @Timespan(Timespan.MILLISECONDS)
        long timeFair;

        @Label("Time Poor")
        @Timespan(Timespan.MILLISECONDS)
        long timePoor;

        @Label("Time Lost")
        @Timespan(Timespan.MILLISECONDS)
        long timeLost;

        @Label("Time Unknown")
        @Timespan(Timespan.MILLISECONDS)
        long timeUnknown;

        @Label("Median Score")
        @Description("The median of the quality scores judged; NaN when none")
        double medianScore;
    }

    /**
     * The event types, registered with the flight recorder when first used; {@code null} when the JVM has no
     * flight recorder (then nothing is ever built).
     */
    static final class Types {
        static final @Nullable EventType SAMPLE;
        static final @Nullable EventType QUALITY;
        static final @Nullable EventType CONNECTION;
        static final @Nullable EventType END;

        static {
            boolean available = FlightRecorder.isAvailable();
            SAMPLE = available ? register(RttSampleEvent.class) : null;
            QUALITY = available ? register(QualityChangeEvent.class) : null;
            CONNECTION = available ? register(ConnectionEvent.class) : null;
            END = available ? register(SessionEndEvent.class) : null;
        }

        /** Registers an event class (a recording lists it from then on, and a recording's settings reach it). */
        private static EventType register(Class<? extends Event> event) {
            FlightRecorder.register(event);
            return EventType.getEventType(event);
        }

        private Types() {
        }

        /** @return whether a recording running now records the type */
        static boolean on(@Nullable EventType type) {
            return type != null && type.isEnabled();
        }
    }
}
