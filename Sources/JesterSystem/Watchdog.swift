import CSystemd
import Glibc

/// Keep-alive pings for the service manager's watchdog (`WatchdogSec=` in the unit).
///
/// The pings come from a thread that does nothing else, so no training run, blocked client
/// or disk read can delay them; they stop only with the process. They prove that the process
/// is alive and scheduled, not that every part of it is making progress.
public enum Watchdog {
    /// The watchdog timeout the service manager set for this process (sd_watchdog_enabled(3)),
    /// in seconds, or `nil` when there is none or `WATCHDOG_PID` names another process.
    public static func timeout() -> Double? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return Double(microseconds) / 1e6
    }

    /// Starts sending `WATCHDOG=1` every half timeout when the service manager wants it.
    ///
    /// - Returns: The interval between pings in seconds, or `nil` when no watchdog is set.
    /// - Throws: ``SystemError`` when the thread cannot be started.
    @discardableResult
    public static func startIfEnabled() throws(SystemError) -> Double? {
        guard let timeout = timeout() else { return nil }
        let interval = timeout / 2
        try startThread {
            var pause = timespec(
                tv_sec: Int(interval),
                tv_nsec: Int((interval - interval.rounded(.down)) * 1e9)
            )
            while true {
                Systemd.notify("WATCHDOG=1")
                // nanosleep(2) returns early on a signal; the next ping then comes a bit sooner.
                _ = nanosleep(&pause, nil)
            }
        }
        return interval
    }
}
