import JesterCore
import JesterSystem

/// Builds the snapshot jesterd would publish for a trained model, as LiveService does.
///
/// - Parameters:
///   - catalog: The joke texts to serve; the bundled catalog can go with generated ratings,
///     whose joke ids are the same 1 to 150.
///   - trainingSeconds: The wall time the training took, for `status`.
func makeSnapshot(
    of trained: TrainedModel,
    kind: ModelKind,
    data: LoadedData,
    catalog: JokeCatalog,
    trainingSeconds: Double
) -> ModelSnapshot {
    let info = TrainingInfo(
        kind: kind,
        dimension: trained.dimension,
        epochs: trained.epochs.count,
        bestEpoch: trained.bestEpoch,
        validationRMSE: trained.validationRMSE,
        trainingCount: trained.trainingCount,
        validationCount: trained.validationCount,
        seconds: trainingSeconds,
        finishedAt: monotonicSeconds()
    )
    return ModelSnapshot(
        version: 1,
        model: trained.model,
        ratings: data.ratings,
        catalog: catalog,
        training: info,
        data: data.info
    )
}
