/// The parts of the benchmark that `--only` can select.
enum BenchSection: String, CaseIterable, Sendable {
    /// Load timings, with the memory of a fresh process that loaded.
    case load
    /// Epoch and whole-training timings, with the memory of a fresh process that trained.
    case train
    /// Query throughput and latency over the Unix socket.
    case query
    /// Live learning against a running jesterd: append latency, queries during a retrain,
    /// restart from the saved state.
    case live
}

/// A command line that cannot be run.
struct UsageError: Error {
    /// What is wrong, for standard error.
    let message: String
}

/// What the command line asked for.
struct BenchOptions: Sendable {
    /// What to do besides benchmarking.
    enum Action: Sendable, Equatable {
        case run
        case help
        /// Load a data directory in this fresh process and print its memory use; the bench runs
        /// itself this way so that figures are not inflated by earlier measurements.
        case memoryProbe(directory: String, training: ProbeTraining)
    }

    /// The synopsis printed with a usage error.
    static let usage = "usage: jester-bench [--quick] [--data-dir DIR] [--only load|train|query|live]"

    /// The text `--help` prints.
    static let help = """
        \(usage)

        Measures loading, training and query serving of jesterd on generated data of Jester
        Dataset 2 size and on the bundled data, and compares the figures with their targets.

          --quick           fewer and shorter repeats: a smoke run of about 20 seconds
          --data-dir DIR    the bundled data directory (default: data, looked for in the
                            current directory and up to three directories above it)
          --only SECTION    run one section: load, train, query or live
          --help            print this help
        """

    /// What to do; benchmarking unless `--help` or `--memory-probe` was given.
    var action = Action.run
    /// Whether `--quick` was given.
    var isQuick = false
    /// The directory given with `--data-dir`, or `nil` to search for `data`.
    var dataDirectory: String?
    /// The sections to run; all of them unless `--only` picked one.
    var sections = Set(BenchSection.allCases)

    /// Parses the arguments after the program name.
    ///
    /// - Throws: ``UsageError`` for an unknown option, a missing value or an unknown section.
    static func parse(_ arguments: [String]) throws(UsageError) -> BenchOptions {
        var options = BenchOptions()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            func value() throws(UsageError) -> String {
                guard let value = remaining.popFirst() else {
                    throw UsageError(message: "\(argument) needs a value")
                }
                return value
            }

            switch argument {
            case "--quick":
                options.isQuick = true
            case "--data-dir":
                options.dataDirectory = try value()
            case "--only":
                let name = try value()
                guard let section = BenchSection(rawValue: name) else {
                    throw UsageError(message: "--only takes load, train, query or live, not \(name)")
                }
                options.sections = [section]
            case "--help", "-h":
                options.action = .help
            case "--memory-probe":
                let stage = try value()
                guard let training = ProbeTraining(rawValue: stage) else {
                    throw UsageError(message: "--memory-probe takes load, train or train-short")
                }
                options.action = .memoryProbe(directory: try value(), training: training)
            default:
                throw UsageError(message: "unknown argument \(argument)")
            }
        }
        return options
    }

    /// Whether a section is to run.
    func runs(_ section: BenchSection) -> Bool {
        sections.contains(section)
    }
}

/// How many repeats and how much time each measurement gets, by mode.
struct BenchPlan: Sendable {
    /// Timed loads of each data set.
    let loadRuns: Int
    /// Timed SGD epochs at each factor count.
    let factorEpochs: Int
    /// Timed epochs of the seed network.
    let seedEpochs: Int
    /// Whether the bundled data gets timed epochs and whole trainings too, not only the
    /// generated data.
    let trainsBundled: Bool
    /// The most epochs a whole training may run, below the defaults; `nil` keeps the defaults.
    let trainingEpochCap: Int?
    /// How the memory probe trains after loading.
    let probeTraining: ProbeTraining
    /// Rounds of each query measurement; the spread of rounds gives the range.
    let queryRounds: Int
    /// Wall time one query round may take, in seconds.
    let queryRoundSeconds: Double
    /// Requests one sequential round may send, whatever the time.
    let sequentialRequestLimit: Int
    /// Requests one pipelined round may send, whatever the time.
    let pipelinedRequestLimit: Int
    /// Requests one of the concurrent connections may send in a round.
    let perConnectionRequestLimit: Int

    /// The plan for a full run or a quick one.
    init(quick: Bool) {
        loadRuns = quick ? 3 : 5
        factorEpochs = quick ? 2 : 5
        seedEpochs = quick ? 1 : 2
        trainsBundled = !quick
        trainingEpochCap = quick ? 3 : nil
        probeTraining = quick ? .short : .full
        queryRounds = quick ? 1 : 3
        queryRoundSeconds = quick ? 0.4 : 1.0
        sequentialRequestLimit = quick ? 20_000 : 33_334
        pipelinedRequestLimit = quick ? 400_000 : 1_500_000
        perConnectionRequestLimit = quick ? 5_000 : 20_000
    }
}
