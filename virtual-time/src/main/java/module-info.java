/**
 * PeerPulse virtual time: {@link io.peerpulse.virtualtime.VirtualScheduler}, a deterministic
 * virtual-time {@link java.util.concurrent.ScheduledExecutorService} with its clock, and
 * {@link io.peerpulse.virtualtime.ScriptedReplies}, scripted asynchronous answers, so that tests never
 * sleep. Depends on {@code java.base} only; a test dependency of the telemetry core and the session,
 * and brought to plugin authors by the testkit.
 *
 * @since 0.1.0
 */
module io.peerpulse.virtualtime {
    exports io.peerpulse.virtualtime;
}
