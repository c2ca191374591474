import JesterCore
import JesterSystem

/// jesterd's command line.
struct DaemonOptions {
    static let version = "0.1.0"

    static let usage = """
        usage: jesterd [--data-dir DIR] [--socket PATH] [--state-dir DIR] [--model mf|seed]
                       [--seed N] [--factors K] [--epochs N] [--learning-rate X]
                       [--regularization X] [--retrain-fraction X] [--retrain-interval SECONDS]
                       [--save-interval SECONDS] [--admin-group GROUP] [--max-connections N]
                       [--idle-timeout SECONDS] [--log-level LEVEL]
               jesterd evaluate [OPTIONS]   (see jesterd evaluate --help)
               jesterd --help | --version
        """

    static let help = usage + """


        Trains a joke recommender on the Jester ratings in DIR and answers queries on a
        Unix socket.

          --data-dir DIR          ratings files (*ratings*.dat) and jester_items.dat
                                  (default /var/lib/jesterd/data)
          --socket PATH           socket to listen on, unless systemd passes one
                                  (default /run/jesterd/jesterd.sock)
          --state-dir DIR         saved model and file positions, so a restart needs no
                                  retrain (default /var/lib/jesterd)
          --model mf|seed         mf: biased matrix factorisation (default);
                                  seed: the original notebook's network
          --seed N                training seed; the same seed gives the same model (default 1)
          --factors K             mf vector dimension (default 32)
          --epochs N              most epochs (default: mf 40 with early stopping, seed 2)
          --learning-rate X       SGD step size (default: mf 0.01, seed 0.05)
          --regularization X      mf L2 penalty on the vectors (default 0.2)
          --retrain-fraction X    retrain in full once this share of the ratings arrived
                                  since the last full training (default 0.05)
          --retrain-interval SECONDS
                                  or this long after the first new rating (default 3600)
          --save-interval SECONDS save the state at most this often (default 60)
          --admin-group GROUP     members may use admin verbs (rate, retrain, snapshot);
                                  root and jesterd's own user always may
          --max-connections N     open connections at once (default 256)
          --idle-timeout SECONDS  close connections silent this long (default 60)
          --log-level LEVEL       trace, debug, info, notice, warning, error or critical
                                  (default info)
          --help                  print this help and exit
          --version               print the version and exit
        """

    var dataDirectory = "/var/lib/jesterd/data"
    var socketPath = "/run/jesterd/jesterd.sock"
    var stateDirectory = "/var/lib/jesterd"
    var model = ModelConfiguration()
    var limits = ServerLimits()
    var live = LiveSettings()
    var adminGroup: String?
    var logLevel = LogLevel.info
    var action = Action.run

    enum Action {
        case run
        case help
        case version
    }

    struct UsageError: Error {
        var message: String
    }

    /// Parses the arguments after the program name.
    static func parse(_ arguments: [String]) throws(UsageError) -> DaemonOptions {
        var options = DaemonOptions()
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
                guard let next = rest.popFirst() else { throw UsageError(message: "\(name) needs a value") }
                return next
            }
            switch name {
            case "--help", "-h": options.action = .help
            case "--version": options.action = .version
            case "--data-dir": options.dataDirectory = try value()
            case "--socket": options.socketPath = try value()
            case "--state-dir": options.stateDirectory = try value()
            case "--model":
                let text = try value()
                guard let kind = ModelKind(rawValue: text) else {
                    throw UsageError(message: "--model must be mf or seed, not \(text)")
                }
                options.model.kind = kind
            case "--seed": options.model.seed = UInt64(try number(name, try value(), in: 0...Double(Int64.max)))
            case "--factors": options.model.factor.factors = Int(try number(name, try value(), in: 1...1024))
            case "--epochs":
                let epochs = Int(try number(name, try value(), in: 1...10_000))
                options.model.factor.maxEpochs = epochs
                options.model.seedNetwork.epochs = epochs
            case "--learning-rate":
                let rate = Float(try number(name, try value(), in: 1e-9...10, integer: false))
                options.model.factor.learningRate = rate
                options.model.seedNetwork.learningRate = rate
            case "--regularization":
                options.model.factor.regularization = Float(try number(name, try value(), in: 0...100, integer: false))
            case "--retrain-fraction":
                options.live.retrainFraction = try number(name, try value(), in: 1e-6...1000, integer: false)
            case "--retrain-interval":
                options.live.retrainInterval = try number(name, try value(), in: 0.001...31_536_000, integer: false)
            case "--save-interval":
                options.live.saveInterval = try number(name, try value(), in: 0.001...31_536_000, integer: false)
            case "--admin-group":
                options.adminGroup = try value()
            case "--max-connections": options.limits.maxConnections = Int(try number(name, try value(), in: 1...65_536))
            case "--idle-timeout":
                options.limits.idleTimeout = try number(name, try value(), in: 0.001...86_400, integer: false)
            case "--log-level":
                let text = try value()
                guard let level = LogLevel(name: text) else {
                    throw UsageError(message: "--log-level must be one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
                }
                options.logLevel = level
            default:
                throw UsageError(message: "unknown option \(argument)")
            }
        }
        return options
    }

    private static func number(_ name: String, _ text: String, in range: ClosedRange<Double>,
                               integer: Bool = true) throws(UsageError) -> Double {
        let parsed: Double? = integer ? Int64(text).map(Double.init) : Double(text)
        guard let parsed, parsed.isFinite, range.contains(parsed) else {
            let kind = integer ? "an integer" : "a number"
            throw UsageError(message: "\(name) must be \(kind) from \(range.lowerBound.clean) to \(range.upperBound.clean), not \(text)")
        }
        return parsed
    }
}

private extension Double {
    var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}
