/// Which model to train and how.
public struct ModelConfiguration: Sendable, Equatable {
    public var kind: ModelKind = .mf
    public var factor = FactorTrainingOptions()
    public var seedNetwork = SeedTrainingOptions()

    public init() {}

    /// The seed of whichever model is chosen.
    public var seed: UInt64 {
        get { kind == .mf ? factor.seed : seedNetwork.seed }
        set {
            factor.seed = newValue
            seedNetwork.seed = newValue
        }
    }
}

/// A trained model of either kind, with its training history.
public struct TrainedModel: Sendable {
    public var model: any RatingModel
    public var epochs: [EpochReport]
    public var bestEpoch: Int
    public var validationRMSE: Double?
    public var trainingCount: Int
    public var validationCount: Int

    init<Model: RatingModel>(_ outcome: TrainingOutcome<Model>) {
        model = outcome.model
        epochs = outcome.epochs
        bestEpoch = outcome.bestEpoch
        validationRMSE = outcome.validationRMSE
        trainingCount = outcome.trainingCount
        validationCount = outcome.validationCount
    }

    /// The vector dimension of the model.
    public var dimension: Int {
        (model as? FactorModel)?.factors ?? SeedNetwork.embeddingSize
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool {
        if let factors = model as? FactorModel { return factors.isFinite }
        if let network = model as? SeedNetwork { return network.isFinite }
        return true
    }
}

extension ModelConfiguration {
    /// Trains the configured model on a rating set.
    ///
    /// - Parameter progress: Called after every epoch, on the calling thread.
    public func train(on ratings: RatingSet, progress: (EpochReport) -> Void = { _ in }) -> TrainedModel {
        switch kind {
        case .mf: TrainedModel(FactorTrainer(options: factor).train(on: ratings, progress: progress))
        case .seed: TrainedModel(SeedTrainer(options: seedNetwork).train(on: ratings, progress: progress))
        }
    }
}
