import Testing
@testable import JesterCore

/// The greedy onboarding designs on small, hand-made models, and the snapshot's plan cache.
struct OnboardingPlanTests {
    /// A Gaussian over `covariance` (row-major, `jokes × jokes`) with no users.
    private func gaussian(_ covariance: [Float], covered: [Bool]? = nil, ridge: Float = 1)
        throws -> GaussianModel
    {
        let jokes = Int(Double(covariance.count).squareRoot())
        return try #require(GaussianModel(
            jokeMeans: [Float](repeating: 0, count: jokes), covariance: covariance, ridge: ridge,
            covered: covered ?? [Bool](repeating: true, count: jokes),
            rows: PagedArray<Float>(), userCount: 0))
    }

    @Test func gaussianAsksFirstTheJokeThatTellsMostAboutTheOthers() throws {
        // Joke 2 is correlated with 0 and 1; joke 3 varies as much but alone.
        let model = try gaussian([
            4, 1, 3, 0,
            1, 4, 3, 0,
            3, 3, 4, 0,
            0, 0, 0, 4,
        ])
        let plan = model.onboardingPlan(candidates: [0, 1, 2, 3], count: 4)
        #expect(plan.first == 2)
        #expect(plan.sorted() == [0, 1, 2, 3])
    }

    @Test func gaussianDoesNotAskTheTwinOfAJokeItAlreadyAsked() throws {
        // Jokes 0 and 1 are near copies; joke 2 is independent and a little less spread.
        let model = try gaussian([
            4, 3.96, 0,
            3.96, 4, 0,
            0, 0, 3.5,
        ], ridge: 0.1)
        let plan = model.onboardingPlan(candidates: [0, 1, 2], count: 2)
        #expect(plan.count == 2)
        #expect([0, 1].contains(plan[0]))
        #expect(plan[1] == 2)
    }

    @Test func gaussianAsksOnlyCoveredCandidates() throws {
        let model = try gaussian([
            4, 2, 0,
            2, 4, 0,
            0, 0, 1,
        ], covered: [true, false, true])
        let plan = model.onboardingPlan(candidates: [1, 2, 0], count: 3)
        #expect(plan.sorted() == [0, 2])
    }

    @Test func vectorPlanSkipsADuplicateVector() {
        let vectors: [[Float]] = [[1, 0], [1, 0], [0, 1], [0.7, 0.7]]
        let plan = OnboardingPlanner.plan(vectors: vectors, count: 3, prior: 0.1)
        #expect(plan.count == 3)
        #expect(!(plan.prefix(2).contains(0) && plan.prefix(2).contains(1)))
    }

    @Test func aShorterPlanIsAPrefixOfALongerOneInEitherOrder() {
        let longFirst = OnboardingCacheProbe.snapshot()
        let long = longFirst.onboarding(count: 9)
        #expect(long.count == 9)
        #expect(longFirst.onboarding(count: 4) == Array(long.prefix(4)))

        let shortFirst = OnboardingCacheProbe.snapshot()
        let short = shortFirst.onboarding(count: 4)
        #expect(short == Array(long.prefix(4)))
        #expect(shortFirst.onboarding(count: 9) == long)
        #expect(shortFirst.onboarding(count: 0).isEmpty)
    }

    /// The snapshot asks its model for the plan through `any RatingModel`: a Gaussian's own
    /// design, and a blend's first member's.
    @Test func theSnapshotPlansWithItsModelsOwnDesign() throws {
        let snapshot = OnboardingCacheProbe.snapshot()
        let gaussian = try #require(snapshot.model as? GaussianModel)
        let candidates = Array(0..<OnboardingCacheProbe.jokes)
        let plan = gaussian.onboardingPlan(candidates: candidates, count: 5)
        #expect(snapshot.onboarding(count: 5) == plan.map { snapshot.ratings.jokes.id(at: $0) })

        let vectors = candidates.map(gaussian.similarityVector(joke:))
        #expect(OnboardingPlanner.plan(vectors: vectors, count: 5) != plan)

        let blend = BlendModel(members: [gaussian], weights: [1], intercept: 0)
        #expect(blend.onboardingPlan(candidates: candidates, count: 5) == plan)
        #expect(snapshot.onboarding(count: -1).isEmpty)
    }

    @Test func aPlanAsksEveryCandidateAtMostOnceAndStopsWhenTheyRunOut() {
        let snapshot = OnboardingCacheProbe.snapshot()
        let all = snapshot.onboarding(count: 1000)
        #expect(Set(all).count == all.count)
        #expect(all.count == OnboardingCacheProbe.jokes)
        #expect(snapshot.onboarding(count: 2000) == all)
    }
}

/// A small trained snapshot on generated ratings.
private enum OnboardingCacheProbe {
    static let jokes = 12

    static func snapshot() -> ModelSnapshot {
        var columns = RatingColumns()
        var generator = SeededGenerator(seed: 3)
        for user in 1...300 {
            let taste = Float(generator.nextIndex(below: 21)) - 10
            for joke in 1...jokes where generator.nextIndex(below: 4) != 0 {
                let sign: Float = joke % 2 == 0 ? 1 : -1
                let noise = Float(generator.nextIndex(below: 5)) - 2
                let value = max(-10, min(10, sign * taste * Float(joke) / Float(jokes) + noise))
                columns.append(user: Int32(user), joke: Int32(joke), value: value)
            }
        }
        let ratings = RatingSet(columns)
        let model = GaussianTrainer(options: GaussianTrainingOptions()).train(on: ratings)
        let training = TrainingInfo(kind: .gaussian, dimension: jokes, epochs: 1, bestEpoch: 1,
                                    validationRMSE: nil, trainingCount: ratings.count,
                                    validationCount: 0, seconds: 0, finishedAt: 0)
        return ModelSnapshot(version: 1, model: model, ratings: ratings, catalog: JokeCatalog(),
                             training: training,
                             data: DataInfo(files: 1, linesRead: 0, rejections: RejectionTally()))
    }
}
