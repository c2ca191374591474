import Testing
@testable import JesterCore

/// recommend, explain and onboard on real Dataset 1 ratings.
struct AnswersTests {
    /// Users 100001...104000 of Dataset 1, with texts for jokes 1...100 except 13 and 27.
    private static let columns: RatingColumns = {
        var columns = RatingColumns()
        let bytes = try? Repository.bytes("data/ratings-ds1.dat", lines: 400_000)
        var rejections = RejectionTally(sampleLimit: 0)
        RatingsParser().parse(bytes ?? [], source: "ds1", into: &columns, rejections: &rejections)
        return columns
    }()

    private static let textless: Set<Int32> = [13, 27]

    private static let catalog = JokeCatalog(texts: Dictionary(uniqueKeysWithValues: (1...100)
        .filter { !textless.contains(Int32($0)) }
        .map { (Int32($0), "Joke \($0)") }))

    private static let factorOptions: FactorTrainingOptions = {
        var options = FactorTrainingOptions()
        options.factors = 16
        options.maxEpochs = 12
        return options
    }()

    /// A small `mf` model, or the default `gaussian` one.
    private static func train(_ ratings: RatingSet, kind: ModelKind) -> any RatingModel {
        kind == .gaussian
            ? GaussianTrainer(options: GaussianTrainingOptions()).train(on: ratings)
            : FactorTrainer(options: factorOptions).train(on: ratings).model
    }

    private static func snapshot(_ columns: RatingColumns, retired: [Int32] = [],
                                 kind: ModelKind = .mf) -> ModelSnapshot {
        let ratings = RatingSet(columns, extraJokes: catalog.ids)
        let model = train(ratings, kind: kind)
        let training = TrainingInfo(kind: kind, dimension: model.similarityVector(joke: 0).count, epochs: 12,
                                    bestEpoch: 12, validationRMSE: nil, trainingCount: ratings.count,
                                    validationCount: 0, seconds: 0, finishedAt: 0)
        let learner = LiveLearner(ratings: ratings, model: model, settings: FoldInSettings(factorOptions))
        return ModelSnapshot(version: 1, learner: learner, catalog: catalog, training: training,
                             data: DataInfo(files: 1, linesRead: 0, rejections: RejectionTally()),
                             retired: JokeIDSet(retired))
    }

    private static let served = snapshot(columns, retired: [5])
    private static let servedGaussian = snapshot(columns, retired: [5], kind: .gaussian)

    @Test func recommendSkipsRatedTextlessAndRetiredJokesBestFirst() throws {
        // User 100002 rated only some jokes in this slice.
        let user: Int32 = 100_002
        let index = try #require(Self.served.ratings.users.index(of: user))
        let rated = Set(Self.served.ratings.byUser[index].map { Self.served.ratings.jokes.id(at: Int($0.joke)) })
        let (items, source) = Self.served.recommend(userID: user, count: 100)

        #expect(source == "model")
        #expect(!items.isEmpty)
        for item in items {
            #expect(!rated.contains(item.joke))
            #expect(!Self.textless.contains(item.joke))
            #expect(item.joke != 5)
            #expect(Self.served.predict(userID: user, jokeID: item.joke)?.rating == item.rating)
        }
        #expect(items.map(\.rating) == items.map(\.rating).sorted(by: >))
        #expect(items.count == 100 - rated.union(Self.textless).union([5]).count)
    }

    @Test func recommendForAnUnknownUserIsMarkedAsAFallback() {
        let (items, source) = Self.served.recommend(userID: 9_999_999, count: 5)
        #expect(source == "fallback:joke-mean")
        #expect(items.count == 5)
        #expect(items.allSatisfy { $0.rating.isFinite })
    }

    @Test(arguments: [(100_001 as Int32, 7 as Int32), (100_010, 50), (100_123, 99)])
    func explainsPartsThatAddUpToThePrediction(user: Int32, joke: Int32) throws {
        let explanation = try #require(Self.served.explain(userID: user, jokeID: joke))
        let prediction = try #require(Self.served.predict(userID: user, jokeID: joke))

        #expect(explanation.parts.map(\.name) == ["global-mean", "user-bias", "joke-bias", "factors"])
        let sum = explanation.parts.reduce(0) { $0 + $1.value }
        #expect(abs(sum - explanation.raw) < 1e-4)
        #expect(abs(min(10, max(-10, explanation.raw)) - prediction.rating) < 1e-4)
        #expect(explanation.influences.count == 3)
        let pulls = explanation.influences.map { abs($0.pull) }
        #expect(pulls == pulls.sorted(by: >))
        #expect(!explanation.influences.contains { $0.joke == joke })
    }

    /// With `gaussian` the pulls are exact shares: the joke's mean plus every rated joke's
    /// pull is the prediction, and the largest pulls are listed.
    @Test(arguments: [(100_001 as Int32, 7 as Int32), (100_010, 50), (100_123, 99), (100_001, 1)])
    func explainsAGaussianPredictionByExactPulls(user: Int32, joke: Int32) throws {
        let snapshot = Self.servedGaussian
        let explanation = try #require(snapshot.explain(userID: user, jokeID: joke, influences: 200))
        let prediction = try #require(snapshot.predict(userID: user, jokeID: joke))
        #expect(prediction.source == "model")
        let index = try #require(snapshot.ratings.users.index(of: user))
        let jokeIndex = try #require(snapshot.ratings.jokes.index(of: joke))
        let ratedItself = snapshot.ratings.rating(user: index, joke: jokeIndex) != nil
        let names = ["joke-mean"] + (ratedItself ? ["own-rating"] : []) + ["other-ratings"]
        #expect(explanation.parts.map(\.name) == names)
        #expect(abs(min(10, max(-10, explanation.raw)) - prediction.rating) < 1e-3)
        #expect(abs(explanation.parts.reduce(0) { $0 + $1.value } - explanation.raw) < 1e-4)

        // A rating's pull is what moving it to its joke's mean would take off: never more
        // than its distance from that mean.
        if let own = explanation.parts.first(where: { $0.name == "own-rating" }),
           let rating = snapshot.ratings.rating(user: index, joke: jokeIndex) {
            let gaussian = try #require(snapshot.model as? GaussianModel)
            #expect(abs(own.value) <= abs(rating - gaussian.jokeMeans[jokeIndex]) + 1e-4)
        }
        let ratedOthers = snapshot.ratings.byUser[index].filter { Int($0.joke) != jokeIndex }.count
        #expect(explanation.influences.count == ratedOthers)
        let others = explanation.parts.last!.value - explanation.influences.reduce(0) { $0 + $1.pull }
        #expect(abs(others) < 1e-3)
        let pulls = explanation.influences.map { abs($0.pull) }
        #expect(pulls == pulls.sorted(by: >))
        #expect(explanation.influences.allSatisfy { (-1.0001...1.0001).contains($0.similarity) })
    }

    /// A model without a decomposition of its own explains its prediction as one part named
    /// after its kind.
    @Test func explainsARegressionPredictionAsOnePartNamedAfterTheKind() throws {
        let ratings = RatingSet(Self.columns, extraJokes: Self.catalog.ids)
        let model = ItemRegressionModel.train(on: ratings, options: ItemRegressionOptions())
        let training = TrainingInfo(kind: .regression, dimension: 0, epochs: 0, bestEpoch: 0,
                                    validationRMSE: nil, trainingCount: ratings.count,
                                    validationCount: 0, seconds: 0, finishedAt: 0)
        let snapshot = ModelSnapshot(
            version: 1, model: model, ratings: ratings, catalog: Self.catalog, training: training,
            data: DataInfo(files: 1, linesRead: 0, rejections: RejectionTally()))
        let explanation = try #require(snapshot.explain(userID: 100_002, jokeID: 7))

        #expect(explanation.source == "model")
        #expect(explanation.parts.map(\.name) == ["regression"])
        #expect(explanation.parts[0].value == explanation.rating)
    }

    @Test func explainsAFallbackAsOnePart() throws {
        let explanation = try #require(Self.served.explain(userID: 9_999_999, jokeID: 7))
        #expect(explanation.source == "fallback:joke-mean")
        #expect(explanation.parts.count == 1)
        #expect(explanation.influences.isEmpty)
    }

    /// Users who rated at least 90 jokes are held out of training; each "joins" by rating 8 jokes
    /// (those of them they rated) and is scored on the rest. The onboarding jokes must teach the model more than 8
    /// random or the 8 most rated jokes.
    @Test(arguments: [ModelKind.mf, .gaussian])
    func onboardingJokesPredictANewUserBetterThanRandomOrPopularOnes(kind: ModelKind) throws {
        var all = RatingColumns()
        var rejections = RejectionTally(sampleLimit: 0)
        RatingsParser().parse(try Repository.bytes("data/ratings-ds1.dat"), source: "ds1", into: &all,
                              rejections: &rejections)
        var byUser: [Int32: [(joke: Int32, value: Float)]] = [:]
        for position in 0..<all.count {
            byUser[all.users[position], default: []].append((all.jokes[position], all.values[position]))
        }
        let complete = byUser.keys.filter { byUser[$0]!.count >= 90 }.sorted()
        let heldOut = Set(complete.prefix(150))
        try #require(heldOut.count == 150)

        var training = RatingColumns()
        for position in 0..<all.count where !heldOut.contains(all.users[position]) {
            training.append(user: all.users[position], joke: all.jokes[position], value: all.values[position])
        }
        let snapshot = Self.snapshot(training, kind: kind)
        let ratings = RatingSet(training, extraJokes: Self.catalog.ids)
        let model = snapshot.model

        let onboard = snapshot.onboarding(count: 8)
        let popular = snapshot.ratings.jokes.ids.indices
            .filter { Self.catalog.text(of: snapshot.ratings.jokes.id(at: $0)) != nil }
            .sorted { snapshot.ratings.jokeCounts[$0] > snapshot.ratings.jokeCounts[$1] }
            .prefix(8).map { snapshot.ratings.jokes.id(at: $0) }
        var generator = SeededGenerator(seed: 7)
        func randomEight() -> [Int32] {
            var ids = Self.catalog.ids
            generator.shuffle(&ids)
            return Array(ids.prefix(8))
        }
        #expect(onboard.count == 8)

        let base = LiveLearner(ratings: ratings, model: model, settings: FoldInSettings(Self.factorOptions))
        func rmse(_ choose: () -> [Int32]) -> Double {
            var squared = 0.0
            var count = 0
            for user in heldOut.sorted() {
                let asked = Set(choose())
                var learner = base
                for rating in byUser[user]! where asked.contains(rating.joke) {
                    learner.learn(userID: user, jokeID: rating.joke, value: rating.value)
                }
                let index = learner.ratings.users.index(of: user)!
                for rating in byUser[user]! where !asked.contains(rating.joke) {
                    guard let joke = learner.ratings.jokes.index(of: rating.joke) else { continue }
                    let error = Double(learner.model.predict(user: index, joke: joke) - rating.value)
                    squared += error * error
                    count += 1
                }
            }
            return (squared / Double(count)).squareRoot()
        }

        let onboardError = rmse { onboard }
        let popularError = rmse { popular }
        let randomError = rmse(randomEight)
        print("\(kind) new-user RMSE after 8 ratings: onboard \(onboardError), "
            + "popular \(popularError), random \(randomError)")
        #expect(onboardError < popularError)
        #expect(onboardError < randomError)
    }
}
