/**
 * PeerPulse virtual time: {@link io.peerpulse.virtualtime.VirtualScheduler}, a deterministic
 * virtual-time {@link java.util.concurrent.ScheduledExecutorService} with its clock, and
 * {@link io.peerpulse.virtualtime.ScriptedReplies}, scripted asynchronous answers, so that tests never
 * sleep. Depends on {@code java.base} only (and on JSpecify's annotations, which nothing needs at run
 * time); a test dependency of the telemetry core and the session, and brought to plugin authors by the
 * testkit.
 *
 * @since 0.1.0
 */
module io.peerpulse.virtualtime {
    // JSpecify's @NullMarked and @Nullable: static, as nothing reads them at run time; transitive, as
    // @Nullable is part of the exported signatures
    requires static transitive org.jspecify;

    exports io.peerpulse.virtualtime;
}
