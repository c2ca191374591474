/// A model an evaluation can train: a baseline or one of the kinds jesterd serves.
public enum EvaluatedModel: Sendable, Equatable, CustomStringConvertible {
    /// Every prediction is the mean training rating.
    case globalMean
    /// Every prediction is the joke's mean training rating.
    case jokeMean
    /// μ + b_u + b_i, as ``BiasModel`` fits it.
    case userJokeBias
    case model(ModelKind)

    /// The baselines, then every model kind.
    public static let all: [EvaluatedModel] = [.globalMean, .jokeMean, .userJokeBias]
        + ModelKind.allCases.map { .model($0) }

    /// The name on the command line and in tables.
    public var description: String {
        switch self {
        case .globalMean: "global-mean"
        case .jokeMean: "joke-mean"
        case .userJokeBias: "user-joke-bias"
        case .model(let kind): kind.rawValue
        }
    }

    /// The model of a name as ``description`` spells it.
    public init?(name: String) {
        guard let model = Self.all.first(where: { $0.description == name }) else { return nil }
        self = model
    }
}

/// One line of an evaluation table.
public struct EvaluationRow: Sendable {
    public var model: EvaluatedModel
    public var metrics: EvaluationMetrics
    /// Wall-clock seconds of training, as the runner's clock measured them.
    public var trainingSeconds: Double
    /// The RMSE on the model's own validation slice, when it has one.
    public var validationRMSE: Double?
}

/// Trains models on a split's training ratings and scores them on its test ratings.
///
/// Every model sees only the training ratings; those that stop early or fit weights carve
/// their own validation slice from them. The test ratings are read only to score.
public struct EvaluationRunner: Sendable {
    public var configuration: ModelConfiguration
    /// Seconds from an arbitrary origin; training time is the difference of two readings.
    public var clock: @Sendable () -> Double

    public init(configuration: ModelConfiguration, clock: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Evaluates each model in turn.
    ///
    /// - Parameter finished: Called with each row as soon as it is ready.
    public func run(
        _ split: EvaluationSplit,
        models: [EvaluatedModel],
        finished: (EvaluationRow) -> Void = { _ in }
    ) -> [EvaluationRow] {
        models.map { model in
            let row = evaluate(model, on: split)
            finished(row)
            return row
        }
    }

    /// Trains one model and scores it.
    public func evaluate(_ model: EvaluatedModel, on split: EvaluationSplit) -> EvaluationRow {
        let training = split.training
        let started = clock()
        let predictor: any RatingPredictor
        var validationRMSE: Double?
        switch model {
        case .globalMean:
            predictor = GlobalMeanModel(training.entries)
        case .jokeMean:
            predictor = JokeMeanModel(training.entries, jokes: training.jokes.count)
        case .userJokeBias:
            predictor = BiasModel(training.entries, users: training.users.count, jokes: training.jokes.count)
        case .model(let kind):
            var configuration = configuration
            configuration.kind = kind
            let trained = configuration.train(on: training)
            predictor = trained.model
            validationRMSE = trained.validationRMSE
        }
        let seconds = clock() - started

        let scored = split.test.map { entry in
            ScoredRating(
                user: entry.user,
                joke: entry.joke,
                actual: entry.value,
                predicted: predictor.predict(user: Int(entry.user), joke: Int(entry.joke))
            )
        }
        return EvaluationRow(
            model: model,
            metrics: EvaluationMetrics(scored),
            trainingSeconds: seconds,
            validationRMSE: validationRMSE
        )
    }
}
