/// Settings of folding new ratings into a live model.
public struct FoldInSettings: Sendable, Equatable {
    /// L2 penalty per rating on vectors, as in training.
    public var regularization: Float
    /// L2 penalty per rating on biases, as in training.
    public var biasRegularization: Float
    /// Ratings' worth of penalty added to every solve, so a user with one or two ratings is
    /// not fitted to them exactly.
    public var priorRatings: Float

    public init(regularization: Float, biasRegularization: Float, priorRatings: Float = 5) {
        self.regularization = regularization
        self.biasRegularization = biasRegularization
        self.priorRatings = priorRatings
    }

    public init(_ options: FactorTrainingOptions) {
        self.init(regularization: options.regularization, biasRegularization: options.biasRegularization)
    }
}

/// Learns new ratings as they arrive, between full retrains.
///
/// With the `mf` model, a new rating is folded in by an exact solve with the other side fixed.
/// A user who arrived after training has no trained vector: their bias and vector are solved
/// from all their ratings, a ridge regression with the per-rating penalties SGD used (counted
/// for ``FoldInSettings/priorRatings`` more ratings than there are). A user who was trained
/// keeps what training learned and takes the exact solution of one new observation under a
/// penalty centred on their current parameters, with the same weights: training stops early,
/// short of the ridge optimum, so re-solving a trained user from scratch would jump them to a
/// different vector and could move a prediction against the rating just given. The joke is
/// re-solved the same way, users fixed, when it has at most ``LiveRatings/smallJokeLimit``
/// ratings; a joke with more keeps its vector until the next full retrain, where one rating
/// moves it little.
///
/// With the `gaussian` model, a new rating folds in exactly: the user's row is solved again
/// from all their ratings, as training would solve it, and the means and the covariance stay
/// until the next full training. A joke without a covariance (unrated at training, or added
/// since) is fitted to its raters' rows again with every rating while it has at most
/// ``LiveRatings/smallJokeLimit`` ratings, and keeps that fit from then on.
///
/// The `seed` network is not folded into: new ratings are stored and counted, a new user is
/// answered by the fallbacks, and the next full retrain learns them.
public struct LiveLearner: Sendable {
    public private(set) var ratings: LiveRatings
    public private(set) var factorModel: LiveFactorModel?
    public private(set) var gaussianModel: GaussianModel?
    private let fixedModel: (any RatingModel)?
    public let settings: FoldInSettings
    /// Ratings learned since this learner was built from a full training.
    public private(set) var learnedCount = 0
    /// Users and jokes below these indexes have vectors from training.
    private let trainedUsers: Int
    private let trainedJokes: [Bool]

    public init(ratings: RatingSet, model: any RatingModel, settings: FoldInSettings) {
        self.init(ratings: LiveRatings(ratings), model: model, settings: settings)
    }

    /// A learner resuming from a saved store and model.
    public init(ratings: LiveRatings, model: any RatingModel, settings: FoldInSettings, learnedCount: Int = 0) {
        self.ratings = ratings
        self.settings = settings
        self.learnedCount = learnedCount
        trainedUsers = min(ratings.users.base.count, model.userCount)
        trainedJokes = (0..<model.jokeCount).map { $0 < ratings.jokes.base.count && ratings.jokeCounts[$0] > 0 }
        if let factors = model as? FactorModel {
            factorModel = LiveFactorModel(factors)
            fixedModel = nil
        } else if let factors = model as? LiveFactorModel {
            factorModel = factors
            fixedModel = nil
        } else if let gaussian = model as? GaussianModel {
            gaussianModel = gaussian
            fixedModel = nil
        } else {
            factorModel = nil
            fixedModel = model
        }
    }

    /// The model as it stands.
    public var model: any RatingModel { factorModel ?? gaussianModel ?? fixedModel! }

    /// Learns one rating by original ids.
    ///
    /// - Parameter solving: Whether to re-solve the user and joke now; without it the rating is
    ///   only stored, for a bulk of ratings that a full retrain is about to learn.
    @discardableResult
    public mutating func learn(userID: Int32, jokeID: Int32, value: Float, solving: Bool = true)
        -> LiveRatings.Change {
        let change = ratings.upsert(userID: userID, jokeID: jokeID, value: value)
        learnedCount += 1
        guard solving else { return change }
        if var gaussian = gaussianModel {
            gaussianModel = nil
            learn(change, into: &gaussian)
            gaussianModel = gaussian
            return change
        }
        guard var model = factorModel else { return change }
        factorModel = nil
        model.growUsers(to: ratings.users.count)
        model.growJokes(to: ratings.jokes.count)
        let userTrained = change.user < trainedUsers
        let jokeTrained = change.joke < trainedJokes.count && trainedJokes[change.joke]
        if userTrained {
            nudgeUser(change.user, joke: change.joke, value: value, in: &model)
        } else {
            solveUser(change.user, in: &model)
        }
        if let raters = ratings.smallJokeRaters[change.joke] {
            if jokeTrained {
                nudgeJoke(change.joke, user: change.user, value: value, raters: raters.count, in: &model)
            } else {
                solveJoke(change.joke, raters: raters, in: &model)
            }
        }
        factorModel = model
        return change
    }

    /// Folds a stored rating into the conditional Gaussian. Users stored without a solve (a
    /// bulk read) and skipped over by this one are solved first from their own ratings; a
    /// rating of a covered joke re-solves its user; a rating of a joke without a covariance
    /// leaves the user's row alone and fits that joke to its raters again.
    private func learn(_ change: LiveRatings.Change, into gaussian: inout GaussianModel) {
        let mean = Float(ratings.globalMean)
        gaussian.growJokes(to: ratings.jokes.count, mean: mean)
        while gaussian.userCount < change.user {
            gaussian.resolve(user: gaussian.userCount, ratings: ratings.byUser[gaussian.userCount])
        }
        if gaussian.covers(change.joke) {
            gaussian.resolve(user: change.user, ratings: ratings.byUser[change.user])
            return
        }
        gaussian.growUsers(to: change.user + 1)
        if let raters = ratings.smallJokeRaters[change.joke] {
            gaussian.solveUncoveredJoke(change.joke, raters: raters, globalMean: mean)
        }
    }

    /// Gives a joke from a reloaded jokes file an index and a zero vector.
    public mutating func addJoke(_ id: Int32) {
        ratings.addJoke(id)
        factorModel?.growJokes(to: ratings.jokes.count)
        gaussianModel?.growJokes(to: ratings.jokes.count, mean: Float(ratings.globalMean))
    }

    /// The exact minimiser of `(value − prediction)² + Σ penalty·(θ − θ₀)²` for one side's
    /// parameters θ = (vector, bias), the other side's `features` fixed: a rank-one solve.
    private static func nudge(vector: [Float], bias: Float, features: [Float], error: Float,
                              weightPenalty: Float, biasPenalty: Float) -> (vector: [Float], bias: Float) {
        // θ = θ₀ + D⁻¹ z e / (1 + zᵀ D⁻¹ z), with z = (features, 1) and D the penalties.
        let squared = features.reduce(0) { $0 + $1 * $1 }
        let spread = squared / weightPenalty + 1 / biasPenalty
        let step = error / (1 + spread)
        let moved = zip(vector, features).map { $0 + $1 * step / weightPenalty }
        return (moved, bias + step / biasPenalty)
    }

    private func nudgeUser(_ user: Int, joke: Int, value: Float, in model: inout LiveFactorModel) {
        let count = Float(ratings.byUser[user].count) + settings.priorRatings
        let error = value - model.rawPrediction(user: user, joke: joke)
        let (vector, bias) = Self.nudge(vector: model.userVector(user), bias: model.userBias[user],
                                        features: model.jokeVector(joke), error: error,
                                        weightPenalty: settings.regularization * count,
                                        biasPenalty: settings.biasRegularization * count)
        model.setUser(user, bias: bias, vector: vector)
    }

    private func nudgeJoke(_ joke: Int, user: Int, value: Float, raters: Int, in model: inout LiveFactorModel) {
        let count = Float(raters) + settings.priorRatings
        let error = value - model.rawPrediction(user: user, joke: joke)
        let (vector, bias) = Self.nudge(vector: model.jokeVector(joke), bias: model.jokeBias[joke],
                                        features: model.userVector(user), error: error,
                                        weightPenalty: settings.regularization * count,
                                        biasPenalty: settings.biasRegularization * count)
        model.setJoke(joke, bias: bias, vector: vector)
    }

    private func solveUser(_ user: Int, in model: inout LiveFactorModel) {
        let list = ratings.byUser[user]
        guard !list.isEmpty else { return }
        var system = RidgeSystem(dimension: model.factors)
        for rating in list {
            let joke = Int(rating.joke)
            let target = Double(rating.value) - Double(model.globalMean) - Double(model.jokeBias[joke])
            system.add(model.jokeVector(joke), target: target)
        }
        let count = Double(list.count) + Double(settings.priorRatings)
        system.addPenalty(weights: Double(settings.regularization) * count,
                          bias: Double(settings.biasRegularization) * count)
        guard let solution = system.solve() else { return }
        model.setUser(user, bias: solution.bias, vector: solution.weights)
    }

    private func solveJoke(_ joke: Int, raters: [(user: Int32, value: Float)], in model: inout LiveFactorModel) {
        guard !raters.isEmpty else { return }
        var system = RidgeSystem(dimension: model.factors)
        for rater in raters {
            let user = Int(rater.user)
            let target = Double(rater.value) - Double(model.globalMean) - Double(model.userBias[user])
            system.add(model.userVector(user), target: target)
        }
        let count = Double(raters.count) + Double(settings.priorRatings)
        system.addPenalty(weights: Double(settings.regularization) * count,
                          bias: Double(settings.biasRegularization) * count)
        guard let solution = system.solve() else { return }
        model.setJoke(joke, bias: solution.bias, vector: solution.weights)
    }
}
