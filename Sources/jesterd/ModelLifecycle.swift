import Glibc
import JesterCore
import JesterSystem
import Synchronization

/// The model's life in the daemon: the first model, then directory events and reloads.
///
/// It tells the service manager where it stands: `EXTEND_TIMEOUT_USEC=` while the first
/// training runs, `READY=1` once a model is served, `STATUS=` after model changes,
/// `RELOADING=1` with `MONOTONIC_USEC=` and then `READY=1` around each reload.
struct ModelLifecycle: Sendable {
    /// How long the service manager is asked to wait, from each sign of progress, while the
    /// first training runs; each epoch and the end of loading count as progress.
    static let startupExtension = 90.0

    let arguments: DaemonOptions.Arguments
    let options: DaemonOptions
    let service: LiveService
    let watcher: DirectoryWatcher
    let reloads: ReloadQueue
    let extender: StartupExtender
    let logger: Logger

    /// Serves a first model, then learns from directory events and serves reloads, one at a
    /// time, until cancelled.
    ///
    /// - Returns: An exit code when jesterd cannot go on (no data, a failed first training);
    ///   `nil` when cancelled.
    func run() async -> ExitCode? {
        extender.progress(force: true)
        do {
            try await service.start()
        } catch {
            logger.critical("no model to serve", [("error", error.description)])
            if case .data = error { return .noInput }
            return .software
        }
        var ready = "READY=1"
        if let snapshot = service.snapshots.current { ready += "\nSTATUS=\(Self.statusLine(snapshot))" }
        logger.notice("ready: answering queries", [
            ("model.version", service.snapshots.current.map { "\($0.version)" } ?? "none"),
        ])
        Systemd.notify(ready)
        extender.finish()

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in watcher.events {
                    logger.debug("directory event", [("event", "\(event)")])
                    await service.handle(event)
                }
            }
            group.addTask { await serveReloads() }
        }
        return nil
    }

    /// Runs reloads one at a time until cancelled; a reload asked for during the first
    /// training waits for it.
    private func serveReloads() async {
        var current = options
        for await origin in reloads.requests {
            current = await reload(current, origin: origin)
        }
    }

    /// Rereads the configuration and retrains in full on the data directory.
    ///
    /// - Returns: The options now in force: the new ones when the reload took effect, else the
    ///   old ones, which keep running.
    private func reload(_ current: DaemonOptions, origin: ReloadOrigin) async -> DaemonOptions {
        Systemd.notify("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds())")
        logger.notice("reloading", [("origin", origin.rawValue)])
        var outcome: String?
        defer {
            reloads.finish(error: outcome)
            var state = "READY=1"
            if let snapshot = service.snapshots.current {
                state += "\nSTATUS=\(Self.statusLine(snapshot))"
            }
            Systemd.notify(state)
        }

        let next: DaemonOptions
        do {
            next = try DaemonOptions.load(arguments)
        } catch {
            outcome = error.description
            logger.error("configuration not reloaded; the old one stays", [
                ("error", error.description),
            ])
            return current
        }
        logRestartSettings(from: current, to: next)

        if let failure = await service.reload(configuration: next.model, settings: next.live) {
            outcome = failure
            logger.error("retraining failed; the old model stays", [("error", failure)])
            return current
        }
        var applied = current
        applied.model = next.model
        applied.live = next.live
        return applied
    }

    /// Notes settings a reload read but cannot apply while running.
    private func logRestartSettings(from current: DaemonOptions, to next: DaemonOptions) {
        var names: [String] = []
        if next.dataDirectory != current.dataDirectory { names.append("data-dir") }
        if next.socketPath != current.socketPath { names.append("socket") }
        if next.stateDirectory != current.stateDirectory { names.append("state-dir") }
        if next.limits.maxConnections != current.limits.maxConnections {
            names.append("max-connections")
        }
        if next.limits.idleTimeout != current.limits.idleTimeout { names.append("idle-timeout") }
        if next.limits.busyPollMicroseconds != current.limits.busyPollMicroseconds {
            names.append("busy-poll")
        }
        if next.logLevel != current.logLevel { names.append("log-level") }
        if next.adminGroup != current.adminGroup { names.append("admin-group") }
        guard !names.isEmpty else { return }
        logger.warning("changed settings take effect only at the next start", [
            ("settings", names.joined(separator: ",")),
        ])
    }

    /// The one-line `STATUS=` of a model, for `systemctl status`.
    static func statusLine(_ snapshot: ModelSnapshot) -> String {
        var line = "model \(snapshot.version) (\(snapshot.training.kind.rawValue)), "
        line += "\(snapshot.ratings.count) ratings, \(snapshot.ratings.users.count) users"
        if let rmse = snapshot.training.validationRMSE {
            line += ", validation RMSE \(ReplyText.fixed(rmse, decimals: 3))"
        }
        return line
    }
}

/// Sends `EXTEND_TIMEOUT_USEC=` on progress, at most once a second, until jesterd is ready.
///
/// The extension is counted from each message, so a training run that stops making progress
/// still meets the start timeout.
final class StartupExtender: Sendable {
    private let seconds: Double
    private let state = Mutex((lastSent: -Double.infinity, finished: false))

    init(seconds: Double) {
        self.seconds = seconds
    }

    /// Reports progress; `force` sends even within a second of the last message.
    func progress(force: Bool = false) {
        let now = monotonicSeconds()
        let due = state.withLock { state in
            guard !state.finished, force || now - state.lastSent >= 1 else { return false }
            state.lastSent = now
            return true
        }
        guard due else { return }
        Systemd.notify("EXTEND_TIMEOUT_USEC=\(UInt64(seconds * 1e6))")
    }

    /// Stops extending: jesterd is ready.
    func finish() {
        state.withLock { $0.finished = true }
    }
}
