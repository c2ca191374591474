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

        let arguments: DaemonOptions.Arguments
        do {
            arguments = try DaemonOptions.parse(Array(CommandLine.arguments.dropFirst()))
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

        let listener: UnixListener
        do {
            listener = try makeListener(options, logger: logger)
        } catch {
            logger.critical("cannot listen", [("socket", options.socketPath), ("error", error.description)])
            if case .alreadyServed = error { return .unavailable }
            return .osError
        }

        let snapshots = SnapshotBox()
        let server: QueryServer
        do {
            server = try QueryServer(
                listener: listener,
                limits: options.limits,
                snapshots: snapshots,
                logger: logger
            ) {
                QueryContext(now: monotonicSeconds(), startedAt: started,
                             daemonVersion: DaemonOptions.version, phase: "")
            }
            try server.start()
        } catch {
            logger.critical("cannot start the query server", [("error", error.description)])
            listener.close()
            return .osError
        }
        logger.info("listening", [("socket", listener.ownedPath ?? "passed by systemd")])

        // Two tasks: loading and training, which ends with nil once a model is served, and
        // waiting for a stop signal. The first exit code either produces ends the daemon; a
        // training run still in progress on its thread ends with the process.
        let service = ModelService(snapshots: snapshots, logger: logger)
        return await withTaskGroup(of: ExitCode?.self) { group -> ExitCode in
            group.addTask {
                await loadAndTrain(directory, options: options, service: service, logger: logger)
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

    /// Returns an exit code when jesterd cannot go on, `nil` once a model is served.
    private static func loadAndTrain(
        _ directory: DataDirectory,
        options: DaemonOptions,
        service: ModelService,
        logger: Logger
    ) async -> ExitCode? {
        let loadStarted = monotonicSeconds()
        let data: LoadedData
        do {
            data = try directory.load()
        } catch {
            logger.critical("cannot load the data directory", [("error", error.description)])
            return .noInput
        }
        logger.info("data loaded", [
            ("files", "\(data.info.files)"),
            ("lines", "\(data.info.linesRead)"),
            ("ratings", "\(data.ratings.count)"),
            ("users", "\(data.ratings.users.count)"),
            ("jokes", "\(data.ratings.jokes.count)"),
            ("jokes.texts", "\(data.catalog.count)"),
            ("seconds", ReplyText.fixed(monotonicSeconds() - loadStarted, decimals: 3)),
        ])
        logRejections(data.info.rejections, logger: logger)

        do {
            let snapshot = try await service.train(data, configuration: options.model)
            Systemd.notify("READY=1\nSTATUS=\(statusLine(snapshot))")
        } catch {
            logger.critical("training failed", [("error", error.description)])
            return .software
        }
        return nil
    }

    private static func makeListener(_ options: DaemonOptions, logger: Logger) throws(SocketError) -> UnixListener {
        if let passed = Systemd.listenDescriptors().first(where: Systemd.isListeningUnixStream) {
            return UnixListener(adopting: passed)
        }
        return try UnixListener(path: options.socketPath, mode: 0o660)
    }

    private static func logRejections(_ rejections: RejectionTally, logger: Logger) {
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
