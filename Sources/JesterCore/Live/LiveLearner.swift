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
/// With the `mf` model, a new rating re-solves the user's bias and vector exactly with every
/// joke fixed: a ridge regression on the user's ratings, with the per-rating penalties SGD
/// used (counted for ``FoldInSettings/priorRatings`` more ratings than there are), so a solved
/// user sits about where training would have put them. The joke is re-solved the
/// same way, users fixed, when it has at most ``LiveRatings/smallJokeLimit`` ratings; a joke
/// with more keeps its vector until the next full retrain, where one rating moves it little.
/// The `seed` network is not folded into: new ratings are stored and counted, a new user is
/// answered by the fallbacks, and the next full retrain learns them.
public struct LiveLearner: Sendable {
    public private(set) var ratings: LiveRatings
    public private(set) var factorModel: LiveFactorModel?
    private let fixedModel: (any RatingModel)?
    public let settings: FoldInSettings
    /// Ratings learned since this learner was built from a full training.
    public private(set) var learnedCount = 0

    public init(ratings: RatingSet, model: any RatingModel, settings: FoldInSettings) {
        self.init(ratings: LiveRatings(ratings), model: model, settings: settings)
    }

    /// A learner resuming from a saved store and model.
    public init(ratings: LiveRatings, model: any RatingModel, settings: FoldInSettings, learnedCount: Int = 0) {
        self.ratings = ratings
        self.settings = settings
        self.learnedCount = learnedCount
        if let factors = model as? FactorModel {
            factorModel = LiveFactorModel(factors)
            fixedModel = nil
        } else if let factors = model as? LiveFactorModel {
            factorModel = factors
            fixedModel = nil
        } else {
            factorModel = nil
            fixedModel = model
        }
    }

    /// The model as it stands.
    public var model: any RatingModel { factorModel ?? fixedModel! }

    /// Learns one rating by original ids.
    ///
    /// - Parameter solving: Whether to re-solve the user and joke now; without it the rating is
    ///   only stored, for a bulk of ratings that a full retrain is about to learn.
    @discardableResult
    public mutating func learn(userID: Int32, jokeID: Int32, value: Float, solving: Bool = true)
        -> LiveRatings.Change {
        let change = ratings.upsert(userID: userID, jokeID: jokeID, value: value)
        learnedCount += 1
        guard solving, var model = factorModel else { return change }
        factorModel = nil
        model.growUsers(to: ratings.users.count)
        model.growJokes(to: ratings.jokes.count)
        solveUser(change.user, in: &model)
        if let raters = ratings.smallJokeRaters[change.joke] {
            solveJoke(change.joke, raters: raters, in: &model)
        }
        factorModel = model
        return change
    }

    /// Gives a joke from a reloaded jokes file an index and a zero vector.
    public mutating func addJoke(_ id: Int32) {
        ratings.addJoke(id)
        factorModel?.growJokes(to: ratings.jokes.count)
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
