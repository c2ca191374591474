import JesterCore

/// Why a trained model was not published.
public enum ModelServiceError: Error, CustomStringConvertible, Sendable {
    case nonFiniteModel
    case noThread(SystemError)

    public var description: String {
        switch self {
        case .nonFiniteModel: "training produced parameters that are not finite; model rejected"
        case .noThread(let error): "cannot start the training thread: \(error)"
        }
    }
}

/// Owns training and the model version; publishes each new model as an immutable snapshot.
///
/// Training runs on a thread of its own, so neither the cooperative pool nor any query waits
/// on it; queries keep reading the previous snapshot until the new one is swapped in whole.
public actor ModelService {
    public nonisolated let snapshots: SnapshotBox
    private let logger: Logger
    private var version = 0

    public init(snapshots: SnapshotBox, logger: Logger) {
        self.snapshots = snapshots
        self.logger = logger
    }

    /// Trains a model on loaded data and publishes it.
    ///
    /// - Parameter onEpoch: Called on the training thread after every epoch.
    public func train(
        _ data: LoadedData,
        configuration: ModelConfiguration,
        onEpoch: (@Sendable (EpochReport) -> Void)? = nil
    ) async throws(ModelServiceError) -> ModelSnapshot {
        if snapshots.current == nil { snapshots.setPhase("training") }
        let logger = self.logger
        let started = monotonicSeconds()
        logger.info("training started", [
            ("model.kind", configuration.kind.rawValue),
            ("ratings", "\(data.ratings.count)"),
            ("users", "\(data.ratings.users.count)"),
            ("jokes", "\(data.ratings.jokes.count)"),
        ])

        let trained: TrainedModel
        do {
            trained = try await runOnDedicatedThread {
                configuration.train(on: data.ratings) { report in
                    var fields: [LogField] = [
                        ("epoch", "\(report.epoch)"),
                        ("train.rmse", ReplyText.fixed(report.trainingRMSE, decimals: 4)),
                    ]
                    if let rmse = report.validationRMSE {
                        fields.append(("validation.rmse", ReplyText.fixed(rmse, decimals: 4)))
                    }
                    logger.info("epoch finished", fields)
                    onEpoch?(report)
                }
            }
        } catch { throw .noThread(error) }
        guard trained.isFinite else { throw .nonFiniteModel }

        let finished = monotonicSeconds()
        version += 1
        let info = TrainingInfo(
            kind: configuration.kind,
            dimension: trained.dimension,
            epochs: trained.epochs.count,
            bestEpoch: trained.bestEpoch,
            validationRMSE: trained.validationRMSE,
            trainingCount: trained.trainingCount,
            validationCount: trained.validationCount,
            seconds: finished - started,
            finishedAt: finished
        )
        let snapshot = ModelSnapshot(
            version: version,
            model: trained.model,
            ratings: data.ratings,
            catalog: data.catalog,
            training: info,
            data: data.info
        )
        snapshots.publish(snapshot)
        snapshots.setPhase("ready")
        var fields: [LogField] = [
            ("model.version", "\(version)"),
            ("model.kind", configuration.kind.rawValue),
            ("training.seconds", ReplyText.fixed(info.seconds, decimals: 3)),
            ("training.epochs", "\(info.epochs)"),
        ]
        if let rmse = info.validationRMSE { fields.append(("validation.rmse", ReplyText.fixed(rmse, decimals: 4))) }
        logger.info("model published", fields)
        return snapshot
    }
}
