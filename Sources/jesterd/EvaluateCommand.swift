import Glibc
import JesterCore
import JesterSystem

/// `jesterd evaluate`: trains models on part of the ratings and scores them on the rest.
struct EvaluateCommand {
    static let usage = """
        usage: jesterd evaluate [--data-dir DIR | --ratings FILE] [--heldout FILE |
                                --split random|per-user] [--seed N] [--models LIST]
                                [--set MODEL.OPTION=VALUE ...] [--json]
        """

    static let help = usage + """


        Splits the ratings into training and test ratings, trains each model on the
        training ratings only (models that stop early or fit weights carve their own
        validation slice from them) and prints RMSE, MAE, NMAE (MAE / 20), nDCG@10 and
        precision@5 on the test ratings, with the training time.

        A test rating must have its user and its joke in training; others are dropped.
        Ranking is per user over that user's test ratings, a rating of at least 5 counting
        as relevant; nDCG@10 skips users without a relevant test rating and P@5 users with
        fewer than five test ratings, so per-user splits print P@5 as -.

          --data-dir DIR     read every ratings file in DIR (*ratings*.dat), keeping only
                             jokes listed in DIR/jester_items.dat when it exists
                             (default /var/lib/jesterd/data)
          --ratings FILE     read this one ratings file instead, any joke id accepted
          --heldout FILE     hold out exactly the lines of FILE (same user, joke and rating)
          --split random     hold out each rating with probability 0.1 (the default)
          --split per-user   hold out 3 ratings of every user who has at least 10
          --seed N           seed of the split and of training (default 20261203)
          --models LIST      comma-separated, from global-mean, joke-mean,
                             user-joke-bias, mf, seed, svdpp, knn, regression, blend
                             (default all)
          --set M.O=V        a training option, such as svdpp.factors=64; see below
          --json             print JSON instead of a table

        Options for --set: mf and svdpp take factors, learning-rate, decay,
        regularization, bias-regularization, epochs and validation-fraction; svdpp also
        implicit-regularization; knn takes neighbours, shrinkage, user-penalty and
        joke-penalty; regression takes penalty; blend takes validation-fraction and
        members (default svdpp+mf+regression+knn).
        """

    var ratingsPath: String?
    var dataDirectory = "/var/lib/jesterd/data"
    var heldOutPath: String?
    var splitName = "random"
    var seed = SplitRule.defaultSeed
    var models = EvaluatedModel.all
    var configuration = ModelConfiguration()
    var isJSON = false
    var showsHelp = false

    /// Runs the command on the arguments after `evaluate`; returns the exit status.
    static func main(_ arguments: [String]) -> ExitCode {
        let command: EvaluateCommand
        do {
            command = try parse(arguments)
        } catch {
            printError("jesterd evaluate: \(error.message)\n\(usage)\n")
            return .usage
        }
        if command.showsHelp {
            print(help)
            return .success
        }
        return command.run()
    }

    private func run() -> ExitCode {
        let data: RatingColumns
        let rule: SplitRule
        do throws(EvaluationInputError) {
            data = try loadRatings()
            rule = try splitRule()
        } catch {
            Self.printError("jesterd evaluate: \(error.description)\n")
            return .noInput
        }

        let split = EvaluationSplit(data, rule: rule)
        let label = heldOutPath ?? splitName
        if !isJSON {
            print("split \(label): \(split.training.count) training ratings, \(split.test.count) test "
                + "ratings, \(split.droppedCount) held-out ratings dropped")
        }
        let runner = EvaluationRunner(configuration: configuration, clock: monotonicSeconds)
        let rows = runner.run(split, models: models)
        print(isJSON ? EvaluationTable.json(rows, split: split, splitName: label) : EvaluationTable.text(rows),
              terminator: "")
        return .success
    }

    private func splitRule() throws(EvaluationInputError) -> SplitRule {
        if let heldOutPath { return .heldOutLines(try Self.parse(file: heldOutPath, parser: RatingsParser())) }
        return splitName == "per-user"
            ? .perUser(count: 3, minimumRatings: 10, seed: seed)
            : .random(fraction: 0.1, seed: seed)
    }

    private func loadRatings() throws(EvaluationInputError) -> RatingColumns {
        if let ratingsPath { return try Self.parse(file: ratingsPath, parser: RatingsParser()) }
        let directory = DataDirectory(path: dataDirectory)
        let names: [String]
        let parser: RatingsParser
        do throws(DataDirectoryError) {
            names = try directory.ratingsFileNames()
            guard !names.isEmpty else { throw DataDirectoryError.noRatingsFiles(dataDirectory) }
            parser = DataDirectory.parser(for: try directory.loadCatalog())
        } catch {
            throw .directory(error)
        }

        var columns = RatingColumns()
        for name in names {
            columns.append(contentsOf: try Self.parse(file: dataDirectory + "/" + name, parser: parser))
        }
        return columns
    }

    private static func parse(file path: String, parser: RatingsParser) throws(EvaluationInputError) -> RatingColumns {
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch { throw .unreadable(error) }
        var columns = RatingColumns()
        var rejections = RejectionTally(sampleLimit: 0)
        parser.parse(bytes, source: path, into: &columns, rejections: &rejections)
        return columns
    }

    private static func printError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// Why `jesterd evaluate` could not read its input.
enum EvaluationInputError: Error, CustomStringConvertible {
    case unreadable(SystemError)
    case directory(DataDirectoryError)

    var description: String {
        switch self {
        case .unreadable(let error): error.description
        case .directory(let error): error.description
        }
    }
}
