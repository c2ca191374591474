/// Item-to-item linear regression on baseline residuals.
///
/// A prediction is the baseline μ + b_u + b_i plus `Σ_j w_ji (r_uj − b_uj)` over the other
/// jokes the user rated. The weights come in closed form from one ridge regression of every
/// joke's residual on every other joke's, over all users, an unrated joke counting as a
/// residual of zero: with `G = Σ_u x_u x_uᵀ + λI` and `P = G⁻¹`, `w_ji = −P_ji / P_ii`. That is
/// one inverse of a jokes-by-jokes matrix, cheap for Jester's hundred or so jokes.
///
/// Like ``NeighbourModel`` it keeps its training ratings, read at prediction time, and is not
/// folded into: a new rating waits for the next full training.
public struct ItemRegressionModel: RatingModel, Equatable {
    public var kind: ModelKind { .regression }
    public var baseline: BiasModel
    /// `jokeCount × jokeCount` weights, row-major: `weights[j × jokeCount + i]` is `w_ji`.
    public var weights: [Float]
    public var entries: [RatingEntry]
    public var userStarts: [Int32]

    public init(baseline: BiasModel, weights: [Float], entries: [RatingEntry], userStarts: [Int32]) {
        precondition(weights.count == baseline.jokeBias.count * baseline.jokeBias.count,
                     "one weight per pair of jokes")
        precondition(userStarts.count == baseline.userBias.count + 1, "one start per user")
        self.baseline = baseline
        self.weights = weights
        self.entries = entries
        self.userStarts = userStarts
    }

    public var userCount: Int { baseline.userBias.count }
    public var jokeCount: Int { baseline.jokeBias.count }

    public func predict(user: Int, joke: Int) -> Float {
        let jokes = jokeCount
        var sum = baseline.baseline(user: user, joke: joke)
        for position in Int(userStarts[user])..<Int(userStarts[user + 1]) {
            let entry = entries[position]
            let other = Int(entry.joke)
            guard other != joke else { continue }
            sum += weights[other * jokes + joke] * (entry.value - baseline.baseline(user: user, joke: other))
        }
        return Self.clampRating(sum)
    }

    /// The weights by which the other jokes predict this one.
    public func similarityVector(joke: Int) -> [Float] {
        (0..<jokeCount).map { weights[$0 * jokeCount + joke] }
    }
}

/// Settings of the item regression.
public struct ItemRegressionOptions: Sendable, Equatable {
    /// The ridge penalty λ, in squared rating units.
    public var penalty: Double = 50_000
    public var userPenalty: Double = 5
    public var jokePenalty: Double = 25

    public init() {}
}

extension ItemRegressionModel {
    /// Fits the baseline and the weights to a rating set; no validation slice is needed.
    public static func train(on ratings: RatingSet, options: ItemRegressionOptions) -> ItemRegressionModel {
        let baseline = BiasModel(
            ratings.entries,
            users: ratings.users.count,
            jokes: ratings.jokes.count,
            userPenalty: options.userPenalty,
            jokePenalty: options.jokePenalty
        )
        let jokes = ratings.jokes.count
        var gram = [Double](repeating: 0, count: jokes * jokes)
        var residuals: [(joke: Int, value: Double)] = []
        for user in 0..<ratings.users.count {
            baseline.residuals(ofUser: user, in: ratings, into: &residuals)
            for first in residuals {
                let row = first.joke * jokes
                for second in residuals { gram[row + second.joke] += first.value * second.value }
            }
        }
        for joke in 0..<jokes { gram[joke * jokes + joke] += options.penalty }

        let inverse = invertSymmetric(gram, size: jokes)
        var weights = [Float](repeating: 0, count: jokes * jokes)
        for target in 0..<jokes {
            let diagonal = inverse[target * jokes + target]
            guard diagonal != 0 else { continue }
            for source in 0..<jokes where source != target {
                weights[source * jokes + target] = Float(-inverse[source * jokes + target] / diagonal)
            }
        }
        return ItemRegressionModel(baseline: baseline, weights: weights, entries: ratings.entries,
                                   userStarts: ratings.userStarts)
    }

    /// The inverse of a symmetric positive definite matrix by Gauss-Jordan elimination.
    static func invertSymmetric(_ matrix: [Double], size: Int) -> [Double] {
        var left = matrix
        var right = [Double](repeating: 0, count: size * size)
        for index in 0..<size { right[index * size + index] = 1 }
        for column in 0..<size {
            let pivot = left[column * size + column]
            guard pivot != 0 else { continue }
            for position in 0..<size {
                left[column * size + position] /= pivot
                right[column * size + position] /= pivot
            }
            for row in 0..<size where row != column {
                let factor = left[row * size + column]
                guard factor != 0 else { continue }
                for position in 0..<size {
                    left[row * size + position] -= factor * left[column * size + position]
                    right[row * size + position] -= factor * right[column * size + position]
                }
            }
        }
        return right
    }
}
