/// Which model to train and how.
public struct ModelConfiguration: Sendable, Equatable {
    public var kind: ModelKind = .gaussian
    public var factor = FactorTrainingOptions()
    public var seedNetwork = SeedTrainingOptions()
    public var implicitFactor = ImplicitFactorTrainingOptions()
    public var neighbour = NeighbourTrainingOptions()
    public var regression = ItemRegressionOptions()
    public var gaussian = GaussianTrainingOptions()
    public var blend = BlendTrainingOptions()

    public init() {}

    /// The seed of whichever model is chosen.
    public var seed: UInt64 {
        get { kind == .seed ? seedNetwork.seed : factor.seed }
        set {
            factor.seed = newValue
            seedNetwork.seed = newValue
            implicitFactor.seed = newValue
            gaussian.seed = newValue
            blend.seed = newValue
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

    /// A model fitted in one pass, without epochs or a validation slice.
    init(fixed model: any RatingModel, trainingCount: Int, validationRMSE: Double? = nil,
         validationCount: Int = 0) {
        self.model = model
        epochs = []
        bestEpoch = 0
        self.validationRMSE = validationRMSE
        self.trainingCount = trainingCount
        self.validationCount = validationCount
    }

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
        model.jokeCount > 0 ? model.similarityVector(joke: 0).count : 0
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool {
        if let factors = model as? FactorModel { return factors.isFinite }
        if let network = model as? SeedNetwork { return network.isFinite }
        if let implicit = model as? ImplicitFactorModel { return implicit.isFinite }
        if let gaussian = model as? GaussianModel { return gaussian.isFinite }
        if let blend = model as? BlendModel {
            return blend.weights.allSatisfy(\.isFinite) && blend.intercept.isFinite
                && blend.members.allSatisfy { TrainedModel(fixed: $0, trainingCount: 0).isFinite }
        }
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
        case .svdpp:
            TrainedModel(ImplicitFactorTrainer(options: implicitFactor).train(on: ratings, progress: progress))
        case .knn:
            TrainedModel(fixed: NeighbourModel.train(on: ratings, options: neighbour),
                         trainingCount: ratings.count)
        case .regression:
            TrainedModel(fixed: ItemRegressionModel.train(on: ratings, options: regression),
                         trainingCount: ratings.count)
        case .gaussian:
            GaussianTrainer(options: gaussian).trainMeasured(on: ratings).trained
        case .blend: BlendTrainer(configuration: self).train(on: ratings, progress: progress)
        }
    }
}
