import Glibc
import JesterCore
import JesterSystem

/// One benchmark run: prepares the data, runs the chosen sections in order and prints the
/// summary.
struct BenchRun {
    /// The command line.
    let options: BenchOptions
    /// The repeats and durations of the chosen mode.
    let plan: BenchPlan
    private var summary = BenchSummary()
    private var loaded: [String: LoadedData] = [:]
    /// The default model trained on the generated data, for the query server.
    private var servedModel: (trained: TrainedModel, seconds: Double)?

    /// A run with the plan of the chosen mode.
    init(options: BenchOptions) {
        self.options = options
        plan = BenchPlan(quick: options.isQuick)
    }

    /// Runs everything the options ask for.
    ///
    /// - Returns: The exit status: 0 whatever the figures, 73 when the scratch directory or
    ///   the generated file cannot be made.
    mutating func run() -> Int32 {
        printHeader()

        guard let scratch = try? ScratchDirectory() else {
            printLine("jester-bench: cannot create a directory under /tmp")
            return 73
        }
        defer { scratch.remove() }

        printSection("data")
        guard let datasets = prepareData(scratch) else { return 73 }

        if options.runs(.load) { runLoadSection(datasets) }
        if options.runs(.load) || options.runs(.train) {
            runMemorySection(datasets, training: options.runs(.train) ? plan.probeTraining : .none)
        }
        if options.runs(.train) { runTrainingSection(datasets) }
        if options.runs(.query) { runQuerySection(datasets, scratch: scratch) }
        if options.runs(.live) {
            printSection("live: a jesterd process on 1.76 M generated ratings")
            LiveBench.run(plan: plan, summary: &summary)
        }

        summary.print()
        return 0
    }

    private func printHeader() {
        var system = utsname()
        uname(&system)
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let mode = options.isQuick ? "quick (--quick)" : "full"

        printLine("jester-bench: loading, training and query serving of jesterd")
        printLine("  cores online  \(cores) (sysconf _SC_NPROCESSORS_ONLN)")
        printLine("  build         \(buildConfiguration)")
        let kernel = "\(text(system.sysname)) \(text(system.release)) \(text(system.machine))"
        let roundSeconds = Format.number(plan.queryRoundSeconds)
        let repeats = "\(plan.loadRuns) loads, \(plan.factorEpochs) mf epochs, "
            + "\(plan.queryRounds) query rounds of \(roundSeconds) s"
        printLine("  system        \(kernel)")
        printLine("  mode          \(mode): \(repeats)")
        printLine("  load average  \(loadAverage) at start (other work here skews the figures)")
        printLine("  figures       best, median and range over repeats: this machine is noisy")
    }

    private var buildConfiguration: String {
        #if DEBUG
        "debug: these figures mean little; build with -c release"
        #else
        "release (build with -c release; debug figures are not comparable)"
        #endif
    }

    /// The 1, 5 and 15 minute load averages from /proc/loadavg.
    private var loadAverage: String {
        guard let bytes = try? Files.read("/proc/loadavg") else { return "unknown" }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        return fields.prefix(3).joined(separator: " ")
    }

    /// A NUL-terminated C character array of utsname as a string.
    private func text<Field>(_ field: Field) -> String {
        withUnsafeBytes(of: field) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func prepareData(_ scratch: ScratchDirectory) -> [BenchDataset]? {
        let generated: BenchData.Generated
        do {
            generated = try BenchData.writeSynthetic(to: scratch)
        } catch {
            printLine("jester-bench: cannot write the generated ratings: \(error)")
            return nil
        }
        let megabytes = Format.number(Double(generated.bytes) / 1e6)
        let seconds = Format.number(generated.seconds, decimals: 2)
        let file = "\(generated.dataset.directory)/\(BenchData.syntheticFileName)"
        printLine("synthetic  \(megabytes) MB generated in \(seconds) s as \(file)")

        guard let bundled = BenchData.locateBundled(options.dataDirectory) else {
            let asked = options.dataDirectory ?? "data"
            printLine("bundled    no ratings files found in \(asked); its rows are skipped")
            return [generated.dataset]
        }
        let names = (try? DataDirectory(path: bundled.directory).ratingsFileNames()) ?? []
        printLine("bundled    \(bundled.directory): \(names.joined(separator: ", "))")
        return [generated.dataset, bundled]
    }

    /// The data set's ratings, loaded untimed unless the load section kept them.
    private mutating func data(for dataset: BenchDataset) -> LoadedData? {
        if let data = loaded[dataset.name] { return data }
        guard let data = BenchData.load(dataset) else {
            printLine("\(dataset.name): cannot load \(dataset.directory)")
            return nil
        }
        loaded[dataset.name] = data
        return data
    }

    private mutating func runLoadSection(_ datasets: [BenchDataset]) {
        printSection("load: read files + parse + build the rating set (warm page cache)")
        var measurements: [LoadMeasurement] = []
        for dataset in datasets {
            guard let (measurement, data) = LoadBench.measure(dataset, runs: plan.loadRuns) else {
                printLine("\(dataset.name): cannot load \(dataset.directory)")
                continue
            }
            measurements.append(measurement)
            loaded[dataset.name] = data
            LoadBench.record(measurement, into: &summary)
        }
        LoadBench.printTables(measurements)
        printLine("target: 1.76 M lines (synthetic) in at most 150 ms")
    }

    private mutating func runMemorySection(_ datasets: [BenchDataset], training: ProbeTraining) {
        printSection("memory: a fresh process loading\(training != .none ? " and training" : "")")
        let measurements = MemoryBench.measure(datasets, training: training)
        MemoryBench.printTable(measurements, training: training)
        MemoryBench.record(measurements, into: &summary)
    }

    private mutating func runTrainingSection(_ datasets: [BenchDataset]) {
        printSection("training: timed epochs")
        var epochs: [EpochMeasurement] = []
        var trainable: [(BenchDataset, LoadedData)] = []
        for dataset in datasets where dataset.name == "synthetic" || plan.trainsBundled {
            guard let data = data(for: dataset) else { continue }
            trainable.append((dataset, data))
            for factors in [8, 32] {
                epochs.append(TrainingBench.measureFactorEpochs(
                    data.ratings,
                    dataset: dataset.name,
                    factors: factors,
                    epochs: plan.factorEpochs
                ))
            }
            epochs.append(TrainingBench.measureSeedEpochs(
                data.ratings,
                dataset: dataset.name,
                epochs: plan.seedEpochs
            ))
        }
        TrainingBench.printEpochs(epochs)
        printLine("target: mf k=8 epoch on the synthetic data in at most 40 ms")
        TrainingBench.record(epochs, into: &summary)

        let cap = plan.trainingEpochCap.map { ", at most \($0) epochs (--quick)" } ?? ""
        printSection("training: default options, whole runs\(cap)")
        var runs: [FullTrainingMeasurement] = []
        for (dataset, data) in trainable {
            for kind in [ModelKind.gaussian, .mf, .seed] {
                let run = TrainingBench.trainInFull(
                    data.ratings,
                    dataset: dataset.name,
                    kind: kind,
                    epochCap: plan.trainingEpochCap
                )
                runs.append(run)
                if dataset.name == "synthetic", kind == ModelConfiguration().kind {
                    servedModel = (run.trained, run.seconds)
                }
            }
        }
        TrainingBench.printFullTraining(runs)
        TrainingBench.record(runs, into: &summary)
    }

    private mutating func runQuerySection(_ datasets: [BenchDataset], scratch: ScratchDirectory) {
        printSection("query: a QueryServer on a Unix socket, default model of the synthetic data")
        guard let synthetic = datasets.first, let data = data(for: synthetic) else { return }
        let served: (trained: TrainedModel, seconds: Double)
        if let servedModel {
            served = servedModel
        } else {
            printLine("training the default model to serve...")
            let run = TrainingBench.trainInFull(
                data.ratings,
                dataset: synthetic.name,
                kind: ModelConfiguration().kind,
                epochCap: plan.trainingEpochCap
            )
            served = (run.trained, run.seconds)
        }

        // The bundled joke texts go with the generated ratings, so similar replies carry them.
        let bundledCatalog = datasets.dropFirst().first.flatMap { self.data(for: $0)?.catalog }
        let catalog = bundledCatalog ?? data.catalog
        let (snapshot, snapshotSeconds) = timed {
            makeSnapshot(
                of: served.trained,
                kind: ModelConfiguration().kind,
                data: data,
                catalog: catalog,
                trainingSeconds: served.seconds
            )
        }
        let harness: QueryHarness
        do {
            let socketPath = scratch.file(named: "q.sock")
            harness = try QueryHarness(snapshot: snapshot, socketPath: socketPath)
        } catch {
            printLine("cannot start the query server: \(error)")
            return
        }
        defer { harness.stop() }
        let milliseconds = Format.number(snapshotSeconds * 1000)
        printLine("serving \(Format.grouped(data.ratings.users.count)) users and "
            + "\(catalog.count) joke texts on \(harness.socketPath)")
        printLine("ModelSnapshot built in \(milliseconds) ms")

        let bench = QueryBench(plan: plan, socketPath: harness.socketPath, ratings: data.ratings)
        guard let results = bench.run() else {
            printLine("cannot connect to \(harness.socketPath)")
            return
        }
        QueryBench.printTable(results.measurements)
        printLine("targets: sequential at least 60,000 req/s; pipelined at least 800,000 req/s")
        QueryBench.record(results, into: &summary)
    }
}
