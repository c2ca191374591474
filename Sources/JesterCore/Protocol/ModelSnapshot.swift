/// How a model came to be, for `status`.
public struct TrainingInfo: Sendable, Equatable {
    public var kind: ModelKind
    /// Vector dimension: the factor count, or 8 for the seed network.
    public var dimension: Int
    public var epochs: Int
    public var bestEpoch: Int
    public var validationRMSE: Double?
    public var trainingCount: Int
    public var validationCount: Int
    /// Wall time the training took, as the caller measured it.
    public var seconds: Double
    /// When training finished, on the caller's monotonic clock, in seconds.
    public var finishedAt: Double

    public init(kind: ModelKind, dimension: Int, epochs: Int, bestEpoch: Int, validationRMSE: Double?,
                trainingCount: Int, validationCount: Int, seconds: Double, finishedAt: Double) {
        self.kind = kind
        self.dimension = dimension
        self.epochs = epochs
        self.bestEpoch = bestEpoch
        self.validationRMSE = validationRMSE
        self.trainingCount = trainingCount
        self.validationCount = validationCount
        self.seconds = seconds
        self.finishedAt = finishedAt
    }
}

/// What was read to build the rating set, for `status`.
public struct DataInfo: Sendable, Equatable {
    public var files: Int
    public var linesRead: Int
    public var rejections: RejectionTally

    public init(files: Int, linesRead: Int, rejections: RejectionTally) {
        self.files = files
        self.linesRead = linesRead
        self.rejections = rejections
    }
}

/// An immutable, published model with everything a query needs.
///
/// Queries read the current snapshot without locks beyond fetching it; a new model is a new
/// snapshot swapped in whole.
public final class ModelSnapshot: Sendable {
    public let version: Int
    public let model: any RatingModel
    public let ratings: RatingSet
    public let catalog: JokeCatalog
    public let training: TrainingInfo
    public let data: DataInfo
    public let similarity: SimilarityIndex
    public let jokeMeans: ShrunkJokeMeans

    public init(version: Int, model: any RatingModel, ratings: RatingSet, catalog: JokeCatalog,
                training: TrainingInfo, data: DataInfo) {
        precondition(model.jokeCount == ratings.jokes.count, "model and ratings disagree on jokes")
        self.version = version
        self.model = model
        self.ratings = ratings
        self.catalog = catalog
        self.training = training
        self.data = data
        self.jokeMeans = ShrunkJokeMeans(ratings)
        let hasText = catalog.count > 0
        let candidates = ratings.jokes.ids.enumerated().map { index, id in
            ratings.jokeCounts[index] > 0 && (!hasText || catalog.text(of: id) != nil)
        }
        self.similarity = SimilarityIndex(model: model, candidates: candidates)
    }

    /// The prior weight of a user's shrunk mean, used for jokes without ratings.
    static let userPriorWeight = 5.0

    /// A prediction with the name of what produced it.
    public struct Prediction: Sendable, Equatable {
        public var rating: Float
        /// `model`, or `fallback:` and the estimate used when the model cannot answer.
        public var source: String
    }

    /// Predicts a rating by original ids; `nil` when the joke is unknown.
    public func predict(userID: Int32, jokeID: Int32) -> Prediction? {
        guard let joke = ratings.jokes.index(of: jokeID) else { return nil }
        let jokeRated = ratings.jokeCounts[joke] > 0
        guard let user = ratings.users.index(of: userID) else {
            let source = jokeRated ? "fallback:joke-mean" : "fallback:global-mean"
            return Prediction(rating: jokeMeans.means[joke], source: source)
        }
        guard jokeRated else {
            return Prediction(rating: shrunkUserMean(user), source: "fallback:user-mean")
        }
        return Prediction(rating: model.predict(user: user, joke: joke), source: "model")
    }

    private func shrunkUserMean(_ user: Int) -> Float {
        let entries = ratings.entries(ofUser: user)
        let sum = entries.reduce(0.0) { $0 + Double($1.value) }
        let weight = Self.userPriorWeight
        return Float((sum + weight * ratings.globalMean) / (Double(entries.count) + weight))
    }
}
