import JesterCore
import Testing

@testable import JesterSystem

/// A saved state is restored only under the settings that shaped its model; otherwise jesterd
/// trains from the data.
struct SavedModelFitTests {
    @Test func aSavedGaussianIsUsedOnlyWithItsRidge() throws {
        let scratch = try Scratch()
        try scratch.copyData()
        let loaded = try DataDirectory(path: scratch.data).load()
        var configuration = ModelConfiguration()
        #expect(configuration.kind == .gaussian)
        let trained = configuration.train(on: loaded.ratings)
        let training = TrainingInfo(
            kind: .gaussian, dimension: trained.dimension, epochs: 0, bestEpoch: 0,
            validationRMSE: nil, trainingCount: trained.trainingCount,
            validationCount: 0, seconds: 0, finishedAt: 0)
        let snapshot = ModelSnapshot(
            version: 1, model: trained.model, ratings: loaded.ratings,
            catalog: loaded.catalog, training: training, data: loaded.info)
        let state = try PersistedState(decoding: PersistedState(snapshot, files: []).encoded())

        #expect(LiveService.fits(state, configuration))
        configuration.gaussian.ridge = 5
        #expect(!LiveService.fits(state, configuration))
    }

    @Test func aSavedFactorModelIsUsedOnlyWithItsFactorCount() throws {
        let fixture = try SavedFixture()
        let state = try PersistedState(decoding: fixture.bytes)
        var configuration = ModelConfiguration.quick()
        #expect(LiveService.fits(state, configuration))
        configuration.factor.factors = 8
        #expect(!LiveService.fits(state, configuration))
    }
}
