#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A rating with the prediction made for it, both on the -10...10 scale.
public struct ScoredRating: Sendable, Equatable {
    public var user: Int32
    public var joke: Int32
    public var actual: Float
    public var predicted: Float

    public init(user: Int32, joke: Int32, actual: Float, predicted: Float) {
        self.user = user
        self.joke = joke
        self.actual = actual
        self.predicted = predicted
    }
}

/// The accuracy and ranking figures of one model on one test set.
///
/// Accuracy (RMSE, MAE, NMAE) is taken over every test rating. Ranking is taken per user over
/// that user's test ratings only: the user's held-out jokes are ordered by prediction, highest
/// first (ties by lower joke index), and a joke is relevant when its held-out rating is at
/// least ``relevanceThreshold``.
///
/// - nDCG@10 uses binary gains and the discount 1 / log2(rank + 1); the ideal ordering is that
///   of the same held-out jokes by rating. Users without a relevant held-out joke are skipped.
/// - P@5 is the share of relevant jokes among the first five; users with fewer than five
///   held-out ratings are skipped, so a split that holds out three per user has no P@5 (NaN).
///
/// Ranking figures are means over the users counted; NaN when no user counts.
public struct EvaluationMetrics: Sendable, Equatable {
    public static let relevanceThreshold: Float = 5
    public static let ndcgDepth = 10
    public static let precisionDepth = 5
    /// Width of the rating scale; NMAE is MAE divided by it.
    public static let ratingRange = 20.0

    public var count: Int
    public var rmse: Double
    public var mae: Double
    public var ndcgAt10: Double
    public var precisionAt5: Double
    /// Users counted by nDCG@10 and by P@5.
    public var ndcgUsers: Int
    public var precisionUsers: Int

    public var nmae: Double { mae / Self.ratingRange }

    /// Computes every figure.
    ///
    /// - Parameter scored: Test ratings with predictions, in any order.
    public init(_ scored: [ScoredRating]) {
        count = scored.count
        (rmse, mae) = Self.errors(scored)
        var byUser = scored
        byUser.sort { $0.user != $1.user ? $0.user < $1.user : $0.joke < $1.joke }
        var ndcgSum = 0.0
        var precisionSum = 0.0
        ndcgUsers = 0
        precisionUsers = 0
        var start = 0
        while start < byUser.count {
            var end = start + 1
            while end < byUser.count, byUser[end].user == byUser[start].user { end += 1 }
            let ratings = Array(byUser[start..<end])
            if let ndcg = Self.ndcg(ratings, depth: Self.ndcgDepth) {
                ndcgSum += ndcg
                ndcgUsers += 1
            }
            if let precision = Self.precision(ratings, depth: Self.precisionDepth) {
                precisionSum += precision
                precisionUsers += 1
            }
            start = end
        }
        ndcgAt10 = ndcgUsers > 0 ? ndcgSum / Double(ndcgUsers) : .nan
        precisionAt5 = precisionUsers > 0 ? precisionSum / Double(precisionUsers) : .nan
    }

    /// Root-mean-square and mean absolute error; NaN for no ratings.
    public static func errors(_ scored: [ScoredRating]) -> (rmse: Double, mae: Double) {
        guard !scored.isEmpty else { return (.nan, .nan) }
        var squares = 0.0
        var absolutes = 0.0
        for rating in scored {
            let error = Double(rating.predicted) - Double(rating.actual)
            squares += error * error
            absolutes += abs(error)
        }
        let count = Double(scored.count)
        return ((squares / count).squareRoot(), absolutes / count)
    }

    /// One user's nDCG at `depth`, or `nil` when none of the ratings is relevant.
    public static func ndcg(_ ratings: [ScoredRating], depth: Int) -> Double? {
        let relevant = ratings.filter { $0.actual >= relevanceThreshold }.count
        guard relevant > 0 else { return nil }
        let ranked = ranking(ratings)
        var dcg = 0.0
        for rank in 0..<min(depth, ranked.count) where ranked[rank].actual >= relevanceThreshold {
            dcg += 1 / log2(Double(rank + 2))
        }
        var ideal = 0.0
        for rank in 0..<min(depth, relevant) {
            ideal += 1 / log2(Double(rank + 2))
        }
        return dcg / ideal
    }

    /// One user's precision at `depth`, or `nil` when there are fewer than `depth` ratings.
    public static func precision(_ ratings: [ScoredRating], depth: Int) -> Double? {
        guard ratings.count >= depth, depth > 0 else { return nil }
        let top = ranking(ratings).prefix(depth)
        return Double(top.filter { $0.actual >= relevanceThreshold }.count) / Double(depth)
    }

    /// Ratings by prediction, highest first; ties by lower joke index.
    static func ranking(_ ratings: [ScoredRating]) -> [ScoredRating] {
        ratings.sorted {
            $0.predicted != $1.predicted ? $0.predicted > $1.predicted : $0.joke < $1.joke
        }
    }
}
