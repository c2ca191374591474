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
    case configuration = 78
}

@main
enum JesterDaemon {
    static func main() async {
        // First, before anything can raise them: signals become events, SIGPIPE is ignored.
        let signals = SignalEvents([SIGTERM, SIGINT, SIGHUP])
        signal(SIGPIPE, SIG_IGN)
        MemoryTuning.applyForLargeBuffers()

        let commandLine = Array(CommandLine.arguments.dropFirst())
        if commandLine.first == "evaluate" {
            exit(EvaluateCommand.main(Array(commandLine.dropFirst())).rawValue)
        }

        let arguments: DaemonOptions.Arguments
        do {
            arguments = try DaemonOptions.parse(commandLine)
        } catch {
            printError("jesterd: \(error.message)\n\(DaemonOptions.usage)\n")
            exit(ExitCode.usage.rawValue)
        }
        switch arguments.action {
        case .help:
            print(DaemonOptions.help)
            exit(ExitCode.success.rawValue)
        case .version:
            print("jesterd \(DaemonOptions.version)")
            exit(ExitCode.success.rawValue)
        case .run:
            break
        }

        let options: DaemonOptions
        do {
            options = try DaemonOptions.load(arguments)
        } catch {
            printError("jesterd: \(error)\n")
            exit(ExitCode.configuration.rawValue)
        }

        let logger = Logger(
            identifier: "jesterd",
            threshold: options.logLevel,
            destination: .detect()
        )
        let code = await run(options, arguments: arguments, signals: signals, logger: logger)
        exit(code.rawValue)
    }

    private static func run(
        _ options: DaemonOptions,
        arguments: DaemonOptions.Arguments,
        signals: SignalEvents,
        logger: Logger
    ) async -> ExitCode {
        let started = monotonicSeconds()
        logger.info("starting", [
            ("version", DaemonOptions.version),
            ("data.dir", options.dataDirectory),
            ("model.kind", options.model.kind.rawValue),
        ])

        do {
            if let interval = try Watchdog.startIfEnabled() {
                let seconds = ReplyText.fixed(interval, decimals: 3)
                logger.info("watchdog pings started", [("interval", seconds)])
            }
        } catch {
            logger.critical("cannot start the watchdog thread", [("error", error.description)])
            return .osError
        }

        var adminPolicy = AdminPolicy()
        if let name = options.adminGroup {
            guard let group = AdminPolicy.groupID(named: name) else {
                logger.critical("the admin group does not exist", [("admin.group", name)])
                return .configuration
            }
            adminPolicy.groupID = group
        }

        // Fail before binding anything when there is nothing to learn from.
        let directory = DataDirectory(path: options.dataDirectory)
        do throws(DataDirectoryError) {
            let names = try directory.ratingsFileNames()
            guard !names.isEmpty else { throw DataDirectoryError.noRatingsFiles(options.dataDirectory) }
        } catch {
            logger.critical("cannot use the data directory", [("error", error.description)])
            return .noInput
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
        let reloads = ReloadQueue()
        let extender = StartupExtender(seconds: ModelLifecycle.startupExtension)
        let service = LiveService(
            directory: directory,
            stateDirectory: options.stateDirectory,
            configuration: options.model,
            settings: options.live,
            snapshots: snapshots,
            logger: logger,
            onEpoch: { extender.progress() },
            onModel: { Systemd.notify("STATUS=\(ModelLifecycle.statusLine($0))") }
        )
        let actions = LiveAdminActions(
            service: service,
            inbox: InboxWriter(directory: options.dataDirectory),
            logger: logger
        )
        let server: QueryServer
        do {
            server = try QueryServer(
                listener: listener,
                limits: options.limits,
                snapshots: snapshots,
                logger: logger,
                adminPolicy: adminPolicy,
                reloads: reloads
            ) {
                QueryContext(
                    now: monotonicSeconds(),
                    startedAt: started,
                    daemonVersion: DaemonOptions.version,
                    phase: "",
                    reloads: reloads.status,
                    actions: actions
                )
            }
            try server.start()
        } catch {
            logger.critical("cannot start the query server", [("error", error.description)])
            listener.close()
            return .osError
        }
        logger.info("listening", [("socket", listener.ownedPath ?? "passed by systemd")])

        // Three tasks: the model (a first model, then directory events and reloads), a
        // once-a-second tick (safety rescans, timed retrains, state saves) and waiting for a
        // stop signal. A stop signal, or failing to get a first model, ends the daemon.
        let models = ModelLifecycle(
            arguments: arguments,
            options: options,
            service: service,
            watcher: watcher,
            reloads: reloads,
            extender: extender,
            logger: logger
        )
        return await withTaskGroup(of: ExitCode?.self) { group -> ExitCode in
            group.addTask {
                await models.run()
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await service.tick()
                }
                return nil
            }
            group.addTask {
                await waitForStopSignal(signals, reloads: reloads, logger: logger)
                return .success
            }
            var code = ExitCode.success
            for await result in group {
                guard let result else { continue }
                code = result
                break
            }
            group.cancelAll()
            await stop(server, watcher: watcher, service: code == .success ? service : nil, logger: logger)
            // The group would wait for a training run in progress, which cannot be cancelled;
            // it ends with the process instead.
            exit(code.rawValue)
        }
    }

    /// Stops gracefully: no new connections, replies in flight finished, the state saved,
    /// all within a bound.
    private static func stop(
        _ server: QueryServer,
        watcher: DirectoryWatcher,
        service: LiveService?,
        logger: Logger
    ) async {
        Systemd.notify("STOPPING=1")
        let stopStarted = monotonicSeconds()
        server.stop(timeout: 5)
        watcher.stop()
        if let service { await service.saveState(onlyIfChanged: true) }
        let seconds = ReplyText.fixed(monotonicSeconds() - stopStarted, decimals: 3)
        logger.info("stopped", [("seconds", seconds)])
    }

    private static func waitForStopSignal(
        _ signals: SignalEvents,
        reloads: ReloadQueue,
        logger: Logger
    ) async {
        for await number in signals.stream {
            if number == SIGHUP {
                logger.notice("reload requested", [("origin", ReloadOrigin.signal.rawValue)])
                reloads.request(.signal)
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

    private static func printError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
