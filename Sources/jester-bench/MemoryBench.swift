/// Resident memory of a fresh process per data set, after loading and after training.
enum MemoryBench {
    /// One data set's probe result; `stages` is `nil` when the probe failed.
    struct Measurement {
        let dataset: BenchDataset
        let stages: [ProbeStage]?

        /// The stage of the given name, when the probe reached it.
        func stage(_ name: String) -> ProbeStage? {
            stages?.first { $0.name == name }
        }
    }

    /// Probes each data set in a child process.
    static func measure(_ datasets: [BenchDataset], training: ProbeTraining) -> [Measurement] {
        datasets.map { dataset in
            Measurement(
                dataset: dataset,
                stages: MemoryProbe.measure(directory: dataset.directory, training: training)
            )
        }
    }

    /// Prints one row per stage reached.
    static func printTable(_ measurements: [Measurement], training: ProbeTraining) {
        var table = TextTable(["data", "stage", "VmRSS MB", "VmHWM MB", "stage seconds"])
        for measurement in measurements {
            guard let stages = measurement.stages else {
                table.add([measurement.dataset.name, "probe failed"])
                continue
            }
            for stage in stages {
                table.add([
                    measurement.dataset.name,
                    stage.name,
                    Format.megabytes(kilobytes: stage.memory.residentKilobytes),
                    Format.megabytes(kilobytes: stage.memory.peakKilobytes),
                    stage.name == "start" ? "" : Format.number(stage.seconds, decimals: 3),
                ])
            }
        }
        table.print()
        guard training != .none else {
            printLine("(one fresh process per data set; loaded = DataDirectory.load once;")
            printLine(" MB = 10^6 bytes)")
            return
        }
        let epochs = training == .short ? ", at most 2 epochs" : ""
        printLine("(one fresh process per data set; loaded = DataDirectory.load once; trained =")
        printLine(" default model trained\(epochs); published = its ModelSnapshot built, as jesterd")
        printLine(" serves it; MB = 10^6 bytes)")
    }

    /// Adds the generated data set's figures to the summary.
    static func record(_ measurements: [Measurement], into summary: inout BenchSummary) {
        guard let synthetic = measurements.first(where: { $0.dataset.name == "synthetic" }) else {
            return
        }
        let loaded = synthetic.stage("loaded")
        summary.record(TargetCheck(
            name: "VmRSS, synthetic loaded",
            value: megabytes(loaded?.memory.residentKilobytes),
            unit: "MB",
            goal: .atMost(150)
        ))
        summary.record(TargetCheck(
            name: "VmHWM, synthetic loading",
            value: megabytes(loaded?.memory.peakKilobytes),
            unit: "MB",
            goal: .none
        ))
        if let published = synthetic.stage("published") {
            summary.record(TargetCheck(
                name: "VmRSS, synthetic model published",
                value: megabytes(published.memory.residentKilobytes),
                unit: "MB",
                goal: .none
            ))
        }
    }

    private static func megabytes(_ kilobytes: Int?) -> Double {
        kilobytes.map { Double($0) * 1024 / 1e6 } ?? .nan
    }
}
