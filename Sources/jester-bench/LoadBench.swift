import JesterCore
import JesterSystem

/// Timings of reading, parsing and storing one data set, over repeated runs.
struct LoadMeasurement {
    /// The data set loaded.
    let dataset: BenchDataset
    /// Ratings files read.
    let files: Int
    /// Lines read, good or not.
    let lines: Int
    /// Ratings stored, after replacements.
    let ratings: Int
    /// Distinct users in the rating set.
    let users: Int
    /// Jokes indexed, those of the catalog included.
    let jokes: Int
    /// Lines skipped as malformed or out of range.
    let rejected: Int
    /// DataDirectory.load as the daemon calls it, in seconds.
    let total: Samples
    /// Reading the jokes file and every ratings file into memory.
    let read: Samples
    /// Decoding the jokes file.
    let catalog: Samples
    /// RatingsParser over every ratings file.
    let parse: Samples
    /// Building the RatingSet from the parsed columns.
    let store: Samples

    /// Lines per second at the best total time.
    var bestLinesPerSecond: Double { Double(lines) / total.minimum }
}

/// Loading benchmarks: the whole load, then the same steps timed one by one.
enum LoadBench {
    /// Loads a data set `runs` times after one untimed warm-up.
    ///
    /// - Returns: The timings and the data of the last run, or `nil` when it cannot be loaded.
    static func measure(_ dataset: BenchDataset, runs: Int) -> (LoadMeasurement, LoadedData)? {
        let directory = DataDirectory(path: dataset.directory)
        guard var data = try? directory.load() else { return nil }

        var totals: [Double] = []
        var steps = StepTimes()
        for _ in 0..<runs {
            let (loaded, seconds) = timed { try? directory.load() }
            guard let loaded else { return nil }
            data = loaded
            totals.append(seconds)
            guard steps.addRun(directory) else { return nil }
        }

        let measurement = LoadMeasurement(
            dataset: dataset,
            files: data.info.files,
            lines: data.info.linesRead,
            ratings: data.ratings.count,
            users: data.ratings.users.count,
            jokes: data.ratings.jokes.count,
            rejected: data.info.rejections.total,
            total: Samples(totals),
            read: Samples(steps.read),
            catalog: Samples(steps.catalog),
            parse: Samples(steps.parse),
            store: Samples(steps.store)
        )
        return (measurement, data)
    }

    /// Prints the load table and the per-step table.
    static func printTables(_ measurements: [LoadMeasurement]) {
        var table = TextTable([
            "data", "files", "lines", "ratings", "users", "best ms", "median ms", "range ms",
            "M lines/s",
        ])
        for entry in measurements {
            let milliseconds = entry.total.scaled(by: 1000)
            table.add([
                entry.dataset.name,
                "\(entry.files)",
                Format.grouped(entry.lines),
                Format.grouped(entry.ratings),
                Format.grouped(entry.users),
                Format.number(milliseconds.minimum),
                Format.number(milliseconds.median),
                Format.range(milliseconds),
                Format.number(entry.bestLinesPerSecond / 1e6, decimals: 2),
            ])
        }
        table.print()

        printLine()
        printLine("the same steps timed one by one (medians, ms):")
        var steps = TextTable([
            "data", "read files", "jokes file", "parse", "rating set", "rejected",
        ])
        for entry in measurements {
            steps.add([
                entry.dataset.name,
                Format.number(entry.read.median * 1000),
                Format.number(entry.catalog.median * 1000),
                Format.number(entry.parse.median * 1000),
                Format.number(entry.store.median * 1000),
                Format.grouped(entry.rejected),
            ])
        }
        steps.print()
    }

    /// Adds the load figures to the summary; the target is for Dataset 2 size.
    static func record(_ entry: LoadMeasurement, into summary: inout BenchSummary) {
        let goal: TargetCheck.Goal = entry.dataset.name == "synthetic" ? .atMost(150) : .none
        summary.record(TargetCheck(
            name: "load \(entry.dataset.name), best of \(entry.total.count)",
            value: entry.total.minimum * 1000,
            unit: "ms",
            goal: goal
        ))
    }
}

/// The steps of DataDirectory.load, each timed on its own, over several runs.
private struct StepTimes {
    var read: [Double] = []
    var catalog: [Double] = []
    var parse: [Double] = []
    var store: [Double] = []

    /// Times one load done step by step as DataDirectory.load does it.
    ///
    /// - Returns: `false` when a file cannot be read.
    mutating func addRun(_ directory: DataDirectory) -> Bool {
        guard let names = try? directory.ratingsFileNames() else { return false }
        let jokesPath = directory.path + "/" + DataDirectory.jokesFileName

        let (contents, readSeconds) = timed { () -> (jokes: [UInt8], ratings: [[UInt8]])? in
            let jokes = Files.isRegularFile(jokesPath) ? (try? Files.read(jokesPath)) ?? [] : []
            var ratings: [[UInt8]] = []
            for name in names {
                guard let bytes = try? Files.read(directory.path + "/" + name) else { return nil }
                ratings.append(bytes)
            }
            return (jokes, ratings)
        }
        guard let contents else { return false }
        read.append(readSeconds)

        let (jokeCatalog, catalogSeconds) = timed {
            contents.jokes.isEmpty ? JokeCatalog() : JokeCatalog(parsing: contents.jokes)
        }
        catalog.append(catalogSeconds)

        let (columns, parseSeconds) = timed {
            let parser = DataDirectory.parser(for: jokeCatalog)
            var columns = RatingColumns()
            var rejections = RejectionTally()
            for (name, bytes) in zip(names, contents.ratings) {
                columns.reserveCapacity(columns.count + bytes.count / 12)
                parser.parse(bytes, source: name, into: &columns, rejections: &rejections)
            }
            return columns
        }
        parse.append(parseSeconds)

        let (ratings, storeSeconds) = timed { RatingSet(columns, extraJokes: jokeCatalog.ids) }
        store.append(storeSeconds)
        withExtendedLifetime(ratings) {}
        return true
    }
}
