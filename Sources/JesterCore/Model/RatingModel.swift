/// The kinds of model jesterd trains.
public enum ModelKind: String, Sendable, CaseIterable {
    /// The conditional Gaussian: a full joke covariance, each user solved exactly; the default.
    case gaussian
    /// Biased matrix factorisation trained by SGD.
    case mf
    /// The original notebook's network: tanh embeddings, a dense tanh layer per side.
    case seed
    /// Matrix factorisation with implicit feedback from which jokes a user rated (SVD++).
    case svdpp
    /// Item-based neighbourhood with baseline correction.
    case knn
    /// Item-to-item linear regression on baseline residuals, in closed form.
    case regression
    /// A least-squares blend of other kinds, fitted on a validation slice.
    case blend
}

extension ModelKind {
    /// Whether jesterd folds a new rating into this kind of model at once: `gaussian` and
    /// `mf` do; the others store it, answer from the fallbacks or their trained state, and
    /// learn it at the next full training.
    public var foldsInNewRatings: Bool { self == .gaussian || self == .mf }
}

/// Anything that predicts ratings for dense user and joke indexes.
public protocol RatingPredictor: Sendable {
    /// The predicted rating of `joke` by `user`, on the -10...10 scale.
    ///
    /// - Important: Both indexes must be in range; callers map ids through the rating set.
    func predict(user: Int, joke: Int) -> Float
}

/// A trained model: a predictor with a vector per joke for similarity.
public protocol RatingModel: RatingPredictor {
    var kind: ModelKind { get }
    var userCount: Int { get }
    var jokeCount: Int { get }

    /// The vector that "similar jokes" compares by cosine.
    func similarityVector(joke: Int) -> [Float]

    /// How far `similar` trusts the joke's vector, from 0 to 1, given its ratings so far:
    /// every similarity of the joke is scaled by it. The default trusts every vector fully.
    func similarityWeight(joke: Int, ratingCount: Int) -> Float

    /// The jokes, chosen from `candidates` (joke indexes), a new user should rate first, in
    /// the order to ask them. The default treats the similarity vectors as the features of
    /// a linear model of the new user (see ``OnboardingPlanner``).
    func onboardingPlan(candidates: [Int], count: Int) -> [Int]
}

extension RatingModel {
    public func similarityWeight(joke: Int, ratingCount: Int) -> Float { 1 }

    public func onboardingPlan(candidates: [Int], count: Int) -> [Int] {
        let vectors = candidates.map(similarityVector(joke:))
        return OnboardingPlanner.plan(vectors: vectors, count: count).map { candidates[$0] }
    }
}

extension RatingModel {
    /// Clamps a raw prediction to the rating scale; NaN becomes 0 so no reply carries it.
    @inline(__always)
    static func clampRating(_ value: Float) -> Float {
        guard value.isFinite else { return value.isNaN ? 0 : (value > 0 ? 10 : -10) }
        return min(10, max(-10, value))
    }
}
