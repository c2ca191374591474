import JesterCore
import JesterSystem

/// jesterd's settings, from its command line and its configuration file.
struct DaemonOptions {
    static let version = "0.1.0"

    static let usage = """
        usage: jesterd [--data-dir DIR] [--socket PATH] [--state-dir DIR] [--model KIND]
                       [--seed N] [--ridge X] [--factors K] [--epochs N] [--learning-rate X]
                       [--regularization X] [--retrain-fraction X] [--retrain-interval SECONDS]
                       [--save-interval SECONDS] [--max-connections N] [--idle-timeout SECONDS]
                       [--busy-poll MICROSECONDS] [--log-level LEVEL] [--admin-group NAME]
                       [--config PATH]
               jesterd evaluate [OPTIONS]
               jesterd --help | --version
        """

    static let help = usage + """


        Trains a joke recommender on the Jester ratings in DIR and answers queries on a
        Unix socket.

          --data-dir DIR          ratings files (*ratings*.dat) and jester_items.dat
                                  (default /var/lib/jesterd/data)
          --socket PATH           socket to listen on, unless systemd passes one
                                  (default /run/jesterd/jesterd.sock)
          --state-dir DIR         saved model and file positions, so that a restart needs
                                  no retrain (default /var/lib/jesterd)
          --model KIND            gaussian: conditional Gaussian over all jokes (default);
                                  mf: biased matrix factorisation; seed: the original
                                  notebook's network; also svdpp, knn, regression, blend
          --seed N                training seed; the same seed gives the same model (default 1)
          --ridge X               gaussian rating-noise variance (default 2)
          --factors K             mf vector dimension (default 64)
          --epochs N              most epochs (default: mf 40 with early stopping, seed 2)
          --learning-rate X       SGD step size (default: mf 0.02, seed 0.05)
          --regularization X      mf L2 penalty on the vectors (default 0.3)
          --retrain-fraction X    retrain in full once this share of the ratings arrived
                                  since the last full training (default 0.05)
          --retrain-interval SECONDS
                                  ...or this long after the first new rating (default 3600)
          --save-interval SECONDS save the state at most this often (default 60)
          --max-connections N     open connections at once (default 256)
          --idle-timeout SECONDS  close connections silent this long (default 60)
          --busy-poll MICROSECONDS
                                  after a reply, watch for the client's next request this
                                  long before sleeping; 0 never (default 50)
          --log-level LEVEL       trace, debug, info, notice, warning, error or critical
                                  (default info)
          --admin-group NAME      members of group NAME may use the admin verbs (rate,
                                  retrain, snapshot, reload)
          --config PATH           configuration file (default /etc/jesterd/jesterd.conf);
                                  options given here win over its settings
          --help                  print this help and exit
          --version               print the version and exit
        """

    var dataDirectory = "/var/lib/jesterd/data"
    var socketPath = "/run/jesterd/jesterd.sock"
    var stateDirectory = "/var/lib/jesterd"
    var model = ModelConfiguration()
    var limits = ServerLimits()
    var live = LiveSettings()
    var logLevel = LogLevel.info
    /// The group whose members may use the admin verbs, besides root and jesterd's own user.
    var adminGroup: String?

    /// The default configuration file, read when it exists.
    static let defaultConfigurationPath = "/etc/jesterd/jesterd.conf"

    /// The names of the settings, as configuration keys; each is also an option with `--`.
    static let settingNames = [
        "data-dir", "socket", "state-dir", "model", "seed", "ridge", "factors", "epochs", "learning-rate",
        "regularization", "retrain-fraction", "retrain-interval", "save-interval",
        "max-connections", "idle-timeout", "busy-poll", "log-level", "admin-group",
    ]

    enum Action {
        case run
        case help
        case version
    }

    struct UsageError: Error {
        var message: String
    }

    /// A value a setting does not take; `reason` completes a sentence that starts with its name.
    struct InvalidValue: Error {
        var reason: String
    }

    /// What the command line asked for: the action, the settings given and the file to read.
    struct Arguments {
        var action = Action.run
        /// Settings in command-line order, by name without the dashes; already checked.
        var settings: [(name: String, value: String)] = []
        var configurationPath = DaemonOptions.defaultConfigurationPath
        /// Whether `--config` named the file, which then must exist.
        var configurationGiven = false
    }

    /// Parses the arguments after the program name, checking every value.
    static func parse(_ arguments: [String]) throws(UsageError) -> Arguments {
        var result = Arguments()
        var scratch = DaemonOptions()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = rest.popFirst() else {
                    throw UsageError(message: "\(name) needs a value")
                }
                return next
            }
            switch name {
            case "--help", "-h": result.action = .help
            case "--version": result.action = .version
            case "--config":
                result.configurationPath = try value()
                result.configurationGiven = true
            case _ where name.hasPrefix("--") && settingNames.contains(String(name.dropFirst(2))):
                let setting = String(name.dropFirst(2))
                let text = try value()
                do throws(InvalidValue) {
                    try scratch.set(setting, to: text)
                } catch {
                    throw UsageError(message: "\(name) \(error.reason)")
                }
                result.settings.append((setting, text))
            default:
                throw UsageError(message: "unknown option \(argument)")
            }
        }
        return result
    }

    /// The options from the defaults, then the configuration file, then the command line.
    ///
    /// - Throws: ``ConfigurationError`` for an unknown key or a bad value in the file.
    static func resolve(
        _ arguments: Arguments,
        file entries: [ConfigurationEntry],
        path: String
    ) throws(ConfigurationError) -> DaemonOptions {
        var options = DaemonOptions()
        for entry in entries {
            guard settingNames.contains(entry.key) else {
                throw ConfigurationError(
                    path: path,
                    line: entry.line,
                    problem: .unknownKey(entry.key)
                )
            }
            do throws(InvalidValue) {
                try options.set(entry.key, to: entry.value)
            } catch {
                throw ConfigurationError(
                    path: path,
                    line: entry.line,
                    problem: .badValue(key: entry.key, reason: error.reason)
                )
            }
        }

        // Values on the command line were checked by parse(_:).
        for setting in arguments.settings {
            try? options.set(setting.name, to: setting.value)
        }
        return options
    }

    /// Sets one setting by its name without dashes.
    mutating func set(_ name: String, to text: String) throws(InvalidValue) {
        switch name {
        case "data-dir": dataDirectory = text
        case "socket": socketPath = text
        case "state-dir": stateDirectory = text
        case "admin-group": adminGroup = text
        case "model":
            guard let kind = ModelKind(rawValue: text) else {
                let kinds = ModelKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw InvalidValue(reason: "must be one of \(kinds), not \(text)")
            }
            model.kind = kind
        case "seed": model.seed = UInt64(try Self.number(text, in: 0...Double(Int64.max)))
        case "ridge": model.gaussian.ridge = try Self.number(text, in: 0...10_000, integer: false)
        case "factors": model.factor.factors = Int(try Self.number(text, in: 1...1024))
        case "epochs":
            let epochs = Int(try Self.number(text, in: 1...10_000))
            model.factor.maxEpochs = epochs
            model.seedNetwork.epochs = epochs
        case "learning-rate":
            let rate = Float(try Self.number(text, in: 1e-9...10, integer: false))
            model.factor.learningRate = rate
            model.seedNetwork.learningRate = rate
        case "regularization":
            model.factor.regularization = Float(try Self.number(text, in: 0...100, integer: false))
        case "retrain-fraction":
            live.retrainFraction = try Self.number(text, in: 1e-6...1000, integer: false)
        case "retrain-interval":
            live.retrainInterval = try Self.number(text, in: 0.001...31_536_000, integer: false)
        case "save-interval":
            live.saveInterval = try Self.number(text, in: 0.001...31_536_000, integer: false)
        case "max-connections":
            limits.maxConnections = Int(try Self.number(text, in: 1...65_536))
        case "idle-timeout":
            limits.idleTimeout = try Self.number(text, in: 0.001...86_400, integer: false)
        case "busy-poll":
            limits.busyPollMicroseconds = Int(try Self.number(text, in: 0...10_000))
        case "log-level":
            guard let level = LogLevel(name: text) else {
                let names = LogLevel.allCases.map(\.name).joined(separator: ", ")
                throw InvalidValue(reason: "must be one of \(names), not \(text)")
            }
            logLevel = level
        default:
            throw InvalidValue(reason: "is not a setting")
        }
    }

    private static func number(
        _ text: String,
        in range: ClosedRange<Double>,
        integer: Bool = true
    ) throws(InvalidValue) -> Double {
        let parsed: Double? = integer ? Int64(text).map(Double.init) : Double(text)
        guard let parsed, parsed.isFinite, range.contains(parsed) else {
            let kind = integer ? "an integer" : "a number"
            let bounds = "\(range.lowerBound.clean) to \(range.upperBound.clean)"
            throw InvalidValue(reason: "must be \(kind) from \(bounds), not \(text)")
        }
        return parsed
    }
}

private extension Double {
    var clean: String {
        if self >= Double(Int64.max) { return String(Int64.max) }
        return self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
