import Glibc
import JesterCore
import JesterSystem

/// sysexits(3) codes jesterctl exits with.
enum ExitCode: Int32 {
    case success = 0
    case daemonError = 1
    case usage = 64
    case unavailable = 69
    case protocolError = 76
}

@main
enum JesterControl {
    static func main() {
        let environment = getenv("JESTERD_SOCKET").map { String(cString: $0) }
        let options: ClientOptions
        do {
            options = try ClientOptions.parse(Array(CommandLine.arguments.dropFirst()), environment: environment)
        } catch {
            printError("jesterctl: \(error.message)\n\(ClientOptions.usage)\n")
            exit(ExitCode.usage.rawValue)
        }
        switch options.action {
        case .help:
            print(ClientOptions.help)
            exit(ExitCode.success.rawValue)
        case .version:
            print("jesterctl \(ClientOptions.version)")
            exit(ExitCode.success.rawValue)
        case .send:
            exit((options.command == "reload" ? reload(options) : send(options)).rawValue)
        }
    }

    private static func send(_ options: ClientOptions) -> ExitCode {
        let reply: [ReceivedLine]
        do {
            let slow = options.command == "retrain" || options.command == "snapshot"
            let client = try ProtocolClient(path: options.socketPath, timeout: slow ? reloadTimeout : 30)
            try client.send(options.json ? ["format json", options.request] : [options.request])
            if options.json {
                let switched = try client.receive()
                guard switched.last?.code == 200 else {
                    printError("jesterctl: jesterd refused the JSON format\n")
                    return .protocolError
                }
            }
            reply = try client.receive()
        } catch {
            switch error {
            case .unreachable, .timedOut:
                printError("""
                    jesterctl: \(error)
                    Is jesterd running? Check the socket path (--socket or JESTERD_SOCKET), \
                    or `systemctl status jesterd`.

                    """)
                return .unavailable
            case .protocolViolation:
                printError("jesterctl: \(error)\n")
                return .protocolError
            }
        }

        let code = reply[0].code
        if options.json {
            for line in reply { print(line.payload) }
            return code < 400 ? .success : .daemonError
        }
        guard code < 400 else {
            printError("jesterctl: \(code) \(reply.map(\.payload).joined(separator: " "))\n")
            return .daemonError
        }
        if code == 200 && options.command == "version" {
            let fields = TextOutput.fields(reply[reply.count - 1])
            let daemon = fields["version"] ?? "?"
            print("jesterctl \(ClientOptions.version), jesterd \(daemon), protocol \(fields["protocol"] ?? "?")")
            return .success
        }
        print(TextOutput.render(command: options.command, reply: reply, width: terminalWidth()))
        return .success
    }

    /// How long `reload` waits for jesterd to finish, in seconds.
    static let reloadTimeout = 900.0

    /// Asks for a reload and waits until one that started after the request has finished.
    ///
    /// `status` and `reload` go out together: `status` reports how many reloads had been
    /// requested before this one, so the reload is done once `reload.finished` exceeds that.
    private static func reload(_ options: ClientOptions) -> ExitCode {
        do {
            let client = try ProtocolClient(path: options.socketPath)
            try client.send(["status", "reload"])
            let before = TextOutput.fields(try client.receive().last!)
            let accepted = try client.receive()
            guard accepted[0].code == 202 else {
                let text = accepted.map(\.payload).joined(separator: " ")
                printError("jesterctl: \(accepted[0].code) \(text)\n")
                return .daemonError
            }
            guard let requested = before["reload.requested"].flatMap({ Int($0) }) else {
                printError("jesterctl: jesterd's status does not report reloads\n")
                return .protocolError
            }

            let deadline = monotonicSeconds() + reloadTimeout
            while monotonicSeconds() < deadline {
                try client.send(["status"])
                let status = TextOutput.fields(try client.receive().last!)
                guard let finished = status["reload.finished"].flatMap({ Int($0) }) else {
                    return .protocolError
                }
                if finished > requested {
                    if let failure = status["reload.error"] {
                        printError("jesterctl: reload failed: \(failure)\n")
                        return .daemonError
                    }
                    let version = status["model.version"] ?? "?"
                    print(options.json ? "{\"reload\":\"done\",\"model.version\":\(version)}"
                        : "reloaded: model \(version)")
                    return .success
                }
                usleep(50_000)
            }
            printError("jesterctl: reload not finished within \(Int(reloadTimeout)) s\n")
            return .unavailable
        } catch {
            switch error {
            case .unreachable, .timedOut:
                printError("jesterctl: \(error)\nIs jesterd running? Check the socket path.\n")
                return .unavailable
            case .protocolViolation:
                printError("jesterctl: \(error)\n")
                return .protocolError
            }
        }
    }

    private static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return min(Int(size.ws_col), 100) }
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 {
            return min(columns, 100)
        }
        return 80
    }

    private static func printError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
