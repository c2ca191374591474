import Synchronization

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
    /// When training finished, in seconds since 1970, so that a restarted daemon knows the age.
    public var finishedAtWallClock: Double

    public init(kind: ModelKind, dimension: Int, epochs: Int, bestEpoch: Int, validationRMSE: Double?,
                trainingCount: Int, validationCount: Int, seconds: Double, finishedAt: Double,
                finishedAtWallClock: Double = 0) {
        self.finishedAtWallClock = finishedAtWallClock
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
    /// Ratings replaced by a later rating of the same joke by the same user.
    public var replacedRatings: Int

    public init(files: Int, linesRead: Int, rejections: RejectionTally, replacedRatings: Int = 0) {
        self.files = files
        self.linesRead = linesRead
        self.rejections = rejections
        self.replacedRatings = replacedRatings
    }
}

/// How far jesterd has read each ratings file, for `status`.
public struct FileProgress: Sendable, Equatable {
    public var name: String
    /// Bytes read and learned.
    public var offset: Int
    /// The file's size when last looked at.
    public var size: Int

    public init(name: String, offset: Int, size: Int) {
        self.name = name
        self.offset = offset
        self.size = size
    }

    /// Bytes written but not yet learned, such as a line still waiting for its newline.
    public var pendingBytes: Int { max(0, size - offset) }
}

/// What happened since the last full retrain, for `status`.
public struct LiveInfo: Sendable, Equatable {
    /// Ratings learned one by one since the model was trained.
    public var learnedSinceRetrain: Int
    public var files: [FileProgress]
    /// Full retrains rejected since start, with the reason of the last one.
    public var rejectedRetrains: Int
    public var lastRejection: String?

    public init(learnedSinceRetrain: Int = 0, files: [FileProgress] = [], rejectedRetrains: Int = 0,
                lastRejection: String? = nil) {
        self.learnedSinceRetrain = learnedSinceRetrain
        self.files = files
        self.rejectedRetrains = rejectedRetrains
        self.lastRejection = lastRejection
    }
}

/// An immutable, published model with everything a query needs.
///
/// Queries read the current snapshot without locks beyond fetching it; a new model, or the
/// same model with new ratings folded in, is a new snapshot swapped in whole.
public final class ModelSnapshot: Sendable {
    public let version: Int
    public let model: any RatingModel
    public let ratings: LiveRatings
    public let catalog: JokeCatalog
    public let training: TrainingInfo
    public let data: DataInfo
    public let live: LiveInfo
    public let similarity: SimilarityIndex
    public let jokeMeans: ShrunkJokeMeans
    /// Jokes never to recommend or ask a new user to rate.
    public let retired: JokeIDSet
    /// The onboarding plan, computed on first use.
    let onboardingCache = Mutex(OnboardingCache())
    /// Per joke index: whether it may be suggested at all, by `recommend` or `onboard`: it has
    /// a text (when the catalog has texts) and is not retired.
    let suggestible: [Bool]

    /// A snapshot of a live learner's state.
    public init(version: Int, learner: LiveLearner, catalog: JokeCatalog, training: TrainingInfo,
                data: DataInfo, live: LiveInfo = LiveInfo(), retired: JokeIDSet = JokeIDSet([])) {
        self.retired = retired
        let model = learner.model
        let ratings = learner.ratings
        self.version = version
        self.model = model
        self.ratings = ratings
        self.catalog = catalog
        self.training = training
        self.data = data
        self.live = live
        self.jokeMeans = ShrunkJokeMeans(counts: ratings.jokeCounts, sums: ratings.jokeSums,
                                         globalMean: ratings.globalMean)
        // A joke is shown only with its text, when the jokes file has texts.
        let hasText = catalog.count > 0
        let showable = ratings.jokes.ids.map { !hasText || catalog.text(of: $0) != nil }
        let candidates = (0..<model.jokeCount).map { showable[$0] && ratings.jokeCounts[$0] > 0 }
        let weights = (0..<model.jokeCount).map { joke in
            model.similarityWeight(joke: joke, ratingCount: Int(ratings.jokeCounts[joke]))
        }
        self.similarity = SimilarityIndex(model: model, candidates: candidates, weights: weights)
        self.suggestible = zip(ratings.jokes.ids, showable).map { !retired.contains($0) && $1 }
    }

    /// A snapshot of a freshly trained model.
    public convenience init(version: Int, model: any RatingModel, ratings: RatingSet, catalog: JokeCatalog,
                            training: TrainingInfo, data: DataInfo,
                            settings: FoldInSettings = FoldInSettings(FactorTrainingOptions())) {
        precondition(model.jokeCount == ratings.jokes.count, "model and ratings disagree on jokes")
        let learner = LiveLearner(ratings: ratings, model: model, settings: settings)
        self.init(version: version, learner: learner, catalog: catalog, training: training, data: data)
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
        return predict(user: modelUser(userID), joke: joke)
    }

    /// The user's index when the model has a row for them.
    func modelUser(_ userID: Int32) -> Int? {
        ratings.users.index(of: userID).flatMap { $0 < model.userCount ? $0 : nil }
    }

    /// Predicts by indexes: `user` is `nil` for a user the model has not seen.
    func predict(user: Int?, joke: Int) -> Prediction {
        let jokeRated = ratings.jokeCounts[joke] > 0
        guard let user else {
            let source = jokeRated ? "fallback:joke-mean" : "fallback:global-mean"
            return Prediction(rating: jokeMeans.means[joke], source: source)
        }
        guard jokeRated, joke < model.jokeCount else {
            return Prediction(rating: shrunkUserMean(user), source: "fallback:user-mean")
        }
        return Prediction(rating: model.predict(user: user, joke: joke), source: "model")
    }

    private func shrunkUserMean(_ user: Int) -> Float {
        let list = ratings.byUser[user]
        let sum = list.reduce(0.0) { $0 + Double($1.value) }
        let weight = Self.userPriorWeight
        return Float((sum + weight * ratings.globalMean) / (Double(list.count) + weight))
    }
}
