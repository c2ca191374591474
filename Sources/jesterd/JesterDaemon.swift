import Glibc
import JesterCore
import JesterSystem

/// sysexits(3) codes jesterd exits with.
enum ExitCode: Int32 {
    case success = 0
    case usage = 64
    case noInput = 66
    case software = 70
    case osError = 71
    case unavailable = 69
}

@main
enum JesterDaemon {
    static func main() async {
        // First, before anything can raise them: signals become events, SIGPIPE is ignored.
        let signals = SignalEvents([SIGTERM, SIGINT, SIGHUP])
        signal(SIGPIPE, SIG_IGN)

        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "evaluate" {
            exit(EvaluateCommand.main(Array(arguments.dropFirst())).rawValue)
        }

        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(arguments)
        } catch {
            printError("jesterd: \(error.message)\n\(DaemonOptions.usage)\n")
            exit(ExitCode.usage.rawValue)
        }
        switch options.action {
        case .help:
            print(DaemonOptions.help)
            exit(ExitCode.success.rawValue)
        case .version:
            print("jesterd \(DaemonOptions.version)")
            exit(ExitCode.success.rawValue)
        case .run:
            break
        }

        let logger = Logger(identifier: "jesterd", threshold: options.logLevel)
        let code = await run(options, signals: signals, logger: logger)
        exit(code.rawValue)
    }

    private static func run(_ options: DaemonOptions, signals: SignalEvents, logger: Logger) async -> ExitCode {
        let started = monotonicSeconds()
        logger.info("starting", [
            ("version", DaemonOptions.version),
            ("data.dir", options.dataDirectory),
            ("model.kind", options.model.kind.rawValue),
        ])

        // Fail before binding anything when there is nothing to learn from.
        let directory = DataDirectory(path: options.dataDirectory)
        do throws(DataDirectoryError) {
            let names = try directory.ratingsFileNames()
            guard !names.isEmpty else { throw DataDirectoryError.noRatingsFiles(options.dataDirectory) }
        } catch {
            logger.critical("cannot use the data directory", [("error", error.description)])
            return .noInput
        }

        var limits = options.limits
        if let group = options.adminGroup {
            guard let groupID = AdminPolicy.groupID(named: group) else {
                logger.critical("no such group for --admin-group", [("group", group)])
                return .usage
            }
            limits.admins.adminGroup = groupID
        }

        let listener: UnixListener
        do {
            listener = try makeListener(options, logger: logger)
        } catch {
            logger.critical("cannot listen", [("socket", options.socketPath), ("error", error.description)])
            if case .alreadyServed = error { return .unavailable }
            return .osError
        }

        // The watch starts before the first read, so no line appended meanwhile is missed.
        let watcher: DirectoryWatcher
        do {
            watcher = try DirectoryWatcher(path: options.dataDirectory)
            try watcher.start()
        } catch {
            logger.critical("cannot watch the data directory", [("error", error.description)])
            listener.close()
            return .osError
        }

        let snapshots = SnapshotBox()
        let service = LiveService(
            directory: directory,
            stateDirectory: options.stateDirectory,
            configuration: options.model,
            settings: options.live,
            snapshots: snapshots,
            logger: logger
        )
        let actions = LiveAdminActions(service: service, inbox: InboxWriter(directory: options.dataDirectory),
                                       logger: logger)
        let server: QueryServer
        do {
            server = try QueryServer(
                listener: listener,
                limits: limits,
                snapshots: snapshots,
                logger: logger
            ) {
                QueryContext(now: monotonicSeconds(), startedAt: started,
                             daemonVersion: DaemonOptions.version, phase: "", actions: actions)
            }
            try server.start()
        } catch {
            logger.critical("cannot start the query server", [("error", error.description)])
            listener.close()
            return .osError
        }
        logger.info("listening", [("socket", listener.ownedPath ?? "passed by systemd")])

        // Three tasks: serving the model (first training or saved state, then directory events),
        // a once-a-second tick, and waiting for a stop signal. A stop signal or a failure to
        // get a first model ends the daemon.
        return await withTaskGroup(of: ExitCode?.self) { group -> ExitCode in
            group.addTask {
                do {
                    try await service.start()
                } catch {
                    logger.critical("no model to serve", [("error", "\(error)")])
                    return .software
                }
                if let snapshot = snapshots.current {
                    Systemd.notify("READY=1\nSTATUS=\(statusLine(snapshot))")
                }
                for await event in watcher.events {
                    logger.debug("directory event", [("event", "\(event)")])
                    await service.handle(event)
                }
                return nil
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await service.tick()
                }
                return nil
            }
            group.addTask {
                await waitForStopSignal(signals, logger: logger)
                return .success
            }
            var code = ExitCode.success
            for await result in group {
                guard let result else { continue }
                code = result
                break
            }
            Systemd.notify("STOPPING=1")
            server.stop()
            watcher.stop()
            if code == .success { await service.saveState() }
            logger.info("stopped")
            exit(code.rawValue)
        }
    }

    private static func waitForStopSignal(_ signals: SignalEvents, logger: Logger) async {
        for await number in signals.stream {
            if number == SIGHUP {
                logger.notice("SIGHUP ignored: configuration reload is not supported")
                continue
            }
            logger.info("stopping", [("signal", number == SIGTERM ? "SIGTERM" : "SIGINT")])
            return
        }
    }

    private static func makeListener(_ options: DaemonOptions, logger: Logger) throws(SocketError) -> UnixListener {
        if let passed = Systemd.listenDescriptors().first(where: Systemd.isListeningUnixStream) {
            return UnixListener(adopting: passed)
        }
        return try UnixListener(path: options.socketPath, mode: 0o660)
    }

    private static func statusLine(_ snapshot: ModelSnapshot) -> String {
        var line = "model \(snapshot.version) (\(snapshot.training.kind.rawValue)), "
        line += "\(snapshot.ratings.count) ratings, \(snapshot.ratings.users.count) users"
        if let rmse = snapshot.training.validationRMSE {
            line += ", validation RMSE \(ReplyText.fixed(rmse, decimals: 3))"
        }
        return line
    }

    private static func printError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
