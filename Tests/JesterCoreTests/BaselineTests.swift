import Testing
@testable import JesterCore

struct BaselineTests {
    private static let entries = [
        RatingEntry(user: 0, joke: 0, value: 4),
        RatingEntry(user: 1, joke: 0, value: 2),
        RatingEntry(user: 0, joke: 1, value: -3),
        RatingEntry(user: 2, joke: 2, value: 9),
    ]

    @Test func predictsTheGlobalMean() {
        let model = GlobalMeanModel(Self.entries)

        #expect(model.mean == 3)
        #expect(model.predict(user: 5, joke: 7) == 3)
        #expect(GlobalMeanModel([]).mean == 0)
    }

    @Test func predictsJokeMeansAndTheGlobalMeanForUnratedJokes() {
        let model = JokeMeanModel(Self.entries, jokes: 4)

        #expect(model.means == [3, -3, 9, 3])
        #expect(model.predict(user: 0, joke: 1) == -3)
        #expect(JokeMeanModel([], jokes: 2).means == [0, 0])
    }

    @Test func shrinksJokeMeansTowardTheGlobalMean() {
        let ratings = RatingSet(
            RatingColumns([(1, 1, 10), (2, 1, 10), (1, 2, -2), (2, 2, 0), (3, 2, 4)]),
            extraJokes: [3]
        )

        let means = ShrunkJokeMeans(ratings, priorWeight: 2)

        // The global mean is 22 / 5.
        #expect(abs(Double(means.means[0]) - (20 + 2 * 4.4) / 4) < 1e-6)
        #expect(abs(Double(means.means[1]) - (2 + 2 * 4.4) / 5) < 1e-6)
        #expect(abs(Double(means.means[2]) - 4.4) < 1e-6)
        #expect(ShrunkJokeMeans(ratings).priorWeight == 25)
    }

    @Test func measuresRootMeanSquareError() {
        let model = GlobalMeanModel(Self.entries)

        // Errors 1, -1, -6, 6.
        #expect(rootMeanSquareError(of: model, on: Self.entries) == (74.0 / 4).squareRoot())
        #expect(rootMeanSquareError(of: model, on: []).isNaN)
    }

    @Test(arguments: [
        ("data/ratings-ds2-prefix.dat", Int.max, UInt64(21)),
        ("data/ratings-ds1.dat", 200_000, UInt64(22)),
    ])
    func factorModelBeatsTheBaselinesOnHeldOutRatings(
        path: String,
        lineLimit: Int,
        seed: UInt64
    ) throws {
        let bytes = try Repository.bytes(path, lines: lineLimit)
        let all = RatingSet(ParsedRatings(bytes).columns)
        #expect(all.count > 30_000)
        let split = HoldoutSplit(all.entries, fraction: 0.1, seed: seed)
        let training = RatingSet(
            RatingColumns(split.training, of: all),
            extraJokes: all.jokes.ids
        )
        #expect(training.count == split.training.count)
        #expect(training.jokes == all.jokes)

        // Held-out ratings of users the training part has too, in its indexes.
        let heldOut = split.validation.compactMap { entry -> RatingEntry? in
            let id = all.users.ids[Int(entry.user)]
            guard let user = training.users.index(of: id) else { return nil }
            return RatingEntry(user: Int32(user), joke: entry.joke, value: entry.value)
        }
        #expect(heldOut.count > split.validation.count * 9 / 10)

        let model = FactorTrainer().train(on: training).model
        let globalMean = GlobalMeanModel(training.entries)
        let jokeMean = JokeMeanModel(training.entries, jokes: training.jokes.count)

        let modelRMSE = rootMeanSquareError(of: model, on: heldOut)
        let globalRMSE = rootMeanSquareError(of: globalMean, on: heldOut)
        let jokeRMSE = rootMeanSquareError(of: jokeMean, on: heldOut)
        #expect(jokeRMSE < globalRMSE)
        #expect(modelRMSE < jokeRMSE, "model \(modelRMSE), joke means \(jokeRMSE)")
        #expect(modelRMSE < globalRMSE)
    }
}
