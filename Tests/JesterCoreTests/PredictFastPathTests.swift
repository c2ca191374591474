import Testing
@testable import JesterCore

/// The byte-level `predict` path answers exactly as the general one, or leaves the line to it.
struct PredictFastPathTests {
    private static let ratings = syntheticRatings(users: 101...140, jokes: 1...8, extraJokes: [9])

    private static let snapshot: ModelSnapshot = {
        var options = FactorTrainingOptions()
        options.factors = 4
        options.maxEpochs = 15
        let model = FactorTrainer(options: options).train(on: ratings).model
        let training = TrainingInfo(kind: .mf, dimension: 4, epochs: 15, bestEpoch: 15, validationRMSE: nil,
                                    trainingCount: 0, validationCount: 0, seconds: 0, finishedAt: 0)
        return ModelSnapshot(version: 1, model: model, ratings: ratings, catalog: JokeCatalog(),
                             training: training, data: DataInfo(files: 1, linesRead: 0, rejections: RejectionTally()))
    }()

    private static let context = QueryContext(now: 1, startedAt: 0, daemonVersion: "1", phase: "ready")

    private static func answers(_ line: String) -> (fast: String?, general: String) {
        var copy = line
        return copy.withUTF8 { bytes in
            var output: [UInt8] = []
            var session = QuerySession()
            let handled = session.answerPredictFast(bytes, snapshot: snapshot, into: &output)
            let general = session.respond(to: bytes, snapshot: snapshot, context: context).rendered(.text)
            return (handled ? String(decoding: output, as: UTF8.self) : nil, general)
        }
    }

    @Test(arguments: [
        "predict 101 1", "predict 140 8", "PREDICT 120 5", "Predict\t105\t\t3", "predict 101 9",
        "predict 99999 2", "predict 0 1", "predict 130 4  ",
    ])
    func answersLikeTheGeneralPath(line: String) throws {
        let (fast, general) = Self.answers(line)
        let answered = try #require(fast, "the fast path should take \(line.debugDescription)")
        #expect(answered == general)
    }

    @Test(arguments: [
        "predict 101", "predict 101 1 2", "predict x 1", "predict 101 77", "predicts 101 1",
        "predict 1234567890 1", "predict -1 1", " predict 101 1", "similar 1", "predict 101 1x",
    ])
    func leavesEverythingElseToTheGeneralPath(line: String) {
        #expect(Self.answers(line).fast == nil)
    }

    @Test func leavesJSONToTheGeneralPath() {
        var session = QuerySession()
        _ = session.respond(to: .format(.json), snapshot: Self.snapshot, context: Self.context)
        var line = "predict 101 1"
        let handled = line.withUTF8 { bytes in
            var output: [UInt8] = []
            return session.answerPredictFast(bytes, snapshot: Self.snapshot, into: &output)
        }
        #expect(!handled)
    }
}
