import Glibc
import JesterCore
import JesterSystem
import Synchronization

/// The model's life in the daemon: the first training, then reloads one at a time.
///
/// It tells the service manager where it stands: `EXTEND_TIMEOUT_USEC=` while the first
/// training runs, `READY=1` and `STATUS=` once a model is served, `RELOADING=1` with
/// `MONOTONIC_USEC=` and then `READY=1` around each reload.
struct ModelLifecycle: Sendable {
    /// How long the service manager is asked to wait, from each sign of progress, while the
    /// first training runs; each epoch and the end of loading count as progress.
    static let startupExtension = 90.0

    let arguments: DaemonOptions.Arguments
    let options: DaemonOptions
    let service: ModelService
    let reloads: ReloadQueue
    let logger: Logger

    /// Trains the first model, then serves reloads until cancelled.
    ///
    /// - Returns: An exit code when jesterd cannot go on (no data, a failed first training);
    ///   `nil` when cancelled.
    func run() async -> ExitCode? {
        let extender = StartupExtender(seconds: Self.startupExtension)
        extender.progress(force: true)
        let data: LoadedData
        do {
            data = try load(DataDirectory(path: options.dataDirectory))
        } catch {
            logger.critical("cannot load the data directory", [("error", error.description)])
            return .noInput
        }
        extender.progress(force: true)

        do {
            let snapshot = try await service.train(data, configuration: options.model) { _ in
                extender.progress()
            }
            Systemd.notify("READY=1\nSTATUS=\(Self.statusLine(snapshot))")
        } catch {
            logger.critical("training failed", [("error", error.description)])
            return .software
        }

        var current = options
        for await origin in reloads.requests {
            current = await reload(current, origin: origin)
        }
        return nil
    }

    /// Rereads the configuration, reloads the data directory and retrains.
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

        let data: LoadedData
        do {
            data = try load(DataDirectory(path: next.dataDirectory))
        } catch {
            outcome = error.description
            logger.error("data directory not reloaded; the old model stays", [
                ("error", error.description),
            ])
            return current
        }

        do {
            _ = try await service.train(data, configuration: next.model)
        } catch {
            outcome = error.description
            logger.error("retraining failed; the old model stays", [("error", error.description)])
            return current
        }
        var applied = current
        applied.dataDirectory = next.dataDirectory
        applied.model = next.model
        return applied
    }

    /// Notes settings a reload read but cannot apply while running.
    private func logRestartSettings(from current: DaemonOptions, to next: DaemonOptions) {
        var names: [String] = []
        if next.socketPath != current.socketPath { names.append("socket") }
        if next.stateDirectory != current.stateDirectory { names.append("state-dir") }
        if next.limits.maxConnections != current.limits.maxConnections {
            names.append("max-connections")
        }
        if next.limits.idleTimeout != current.limits.idleTimeout { names.append("idle-timeout") }
        if next.logLevel != current.logLevel { names.append("log-level") }
        if next.adminGroup != current.adminGroup { names.append("admin-group") }
        guard !names.isEmpty else { return }
        logger.warning("changed settings take effect only at the next start", [
            ("settings", names.joined(separator: ",")),
        ])
    }

    private func load(_ directory: DataDirectory) throws(DataDirectoryError) -> LoadedData {
        let loadStarted = monotonicSeconds()
        let data = try directory.load()
        logger.info("data loaded", [
            ("files", "\(data.info.files)"),
            ("lines", "\(data.info.linesRead)"),
            ("ratings", "\(data.ratings.count)"),
            ("users", "\(data.ratings.users.count)"),
            ("jokes", "\(data.ratings.jokes.count)"),
            ("jokes.texts", "\(data.catalog.count)"),
            ("seconds", ReplyText.fixed(monotonicSeconds() - loadStarted, decimals: 3)),
        ])
        logRejections(data.info.rejections)
        return data
    }

    private func logRejections(_ rejections: RejectionTally) {
        guard rejections.total > 0 else { return }
        for sample in rejections.samples {
            logger.warning("ratings line skipped", [
                ("file", sample.file),
                ("line", "\(sample.line)"),
                ("reason", sample.reason.name),
            ])
        }
        var fields: [LogField] = [("rejected", "\(rejections.total)")]
        for (reason, count) in rejections.nonZeroCounts {
            fields.append(("rejected.\(reason.name)", "\(count)"))
        }
        let message = rejections.total > rejections.samples.count
            ? "ratings lines skipped in all (only the first \(rejections.samples.count) are listed)"
            : "ratings lines skipped in all"
        logger.warning(message, fields)
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

/// Sends `EXTEND_TIMEOUT_USEC=` on progress, at most once a second, while jesterd starts.
///
/// The extension is counted from each message, so a training run that stops making progress
/// still meets the start timeout.
final class StartupExtender: Sendable {
    private let seconds: Double
    private let lastSent = Mutex(-Double.infinity)

    init(seconds: Double) {
        self.seconds = seconds
    }

    /// Reports progress; `force` sends even within a second of the last message.
    func progress(force: Bool = false) {
        let now = monotonicSeconds()
        let due = lastSent.withLock { last in
            guard force || now - last >= 1 else { return false }
            last = now
            return true
        }
        guard due else { return }
        Systemd.notify("EXTEND_TIMEOUT_USEC=\(UInt64(seconds * 1e6))")
    }
}
