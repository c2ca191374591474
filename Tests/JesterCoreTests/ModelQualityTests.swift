import Testing
@testable import JesterCore

struct ModelQualityTests {
    private static func rmse(_ kind: ModelKind) -> Double {
        var configuration = ModelConfiguration()
        configuration.seed = 3
        let runner = EvaluationRunner(configuration: configuration, clock: { 0 })
        return runner.evaluate(.model(kind), on: RealDataSlice.split).metrics.rmse
    }

    @Test func sliceHasTestRatings() {
        #expect(RealDataSlice.split.test.count > 10_000)
    }

    @Test(arguments: [ModelKind.gaussian, .mf, .svdpp, .knn, .regression, .blend])
    func modelBeatsEveryBaselineOnHeldOutRealRatings(kind: ModelKind) {
        let runner = EvaluationRunner(configuration: ModelConfiguration(), clock: { 0 })
        let baselines = [EvaluatedModel.globalMean, .jokeMean, .userJokeBias].map {
            runner.evaluate($0, on: RealDataSlice.split).metrics.rmse
        }
        let rmse = Self.rmse(kind)
        #expect(rmse < baselines.min()! - 0.05, "\(kind) \(rmse) against \(baselines)")
    }

    @Test func svdppTrainingIsDeterministicForASeed() {
        var options = ImplicitFactorTrainingOptions()
        options.maxEpochs = 3
        let ratings = RealDataSlice.split.training
        let first = ImplicitFactorTrainer(options: options).train(on: ratings).model
        let second = ImplicitFactorTrainer(options: options).train(on: ratings).model
        #expect(first == second)
    }
}
