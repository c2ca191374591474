/// Item-based neighbourhood model with baseline correction (kNN baseline).
///
/// A prediction is the baseline μ + b_u + b_i plus a weighted mean of the user's residuals on
/// the `neighbours` jokes most similar to the target that the user rated:
/// `Σ s_ij (r_uj − b_uj) / Σ s_ij` over those `j` with `s_ij > 0`. The similarity is the
/// Pearson correlation of baseline residuals over the users who rated both jokes, shrunk by
/// `n_ij / (n_ij + shrinkage)`.
///
/// The model keeps the ratings it was trained on, grouped by user, because a prediction reads
/// them. It is not folded into: jesterd stores a new rating and the next full training learns
/// it (see ``ModelKind/foldsInNewRatings``).
public struct NeighbourModel: RatingModel, Equatable {
    public var kind: ModelKind { .knn }
    public var baseline: BiasModel
    public let neighbours: Int
    /// `jokeCount × jokeCount` similarities, row-major.
    public var similarities: [Float]
    /// The user's ratings, grouped by user and ordered by joke within a user.
    public var entries: [RatingEntry]
    /// `userStarts[u] ..< userStarts[u + 1]` are user `u`'s entries.
    public var userStarts: [Int32]

    public init(baseline: BiasModel, neighbours: Int, similarities: [Float], entries: [RatingEntry],
                userStarts: [Int32]) {
        precondition(similarities.count == baseline.jokeBias.count * baseline.jokeBias.count,
                     "one similarity per pair of jokes")
        precondition(userStarts.count == baseline.userBias.count + 1, "one start per user")
        self.baseline = baseline
        self.neighbours = neighbours
        self.similarities = similarities
        self.entries = entries
        self.userStarts = userStarts
    }

    public var userCount: Int { baseline.userBias.count }
    public var jokeCount: Int { baseline.jokeBias.count }

    public func predict(user: Int, joke: Int) -> Float {
        let jokes = jokeCount
        var topSimilarity = [Float](repeating: 0, count: neighbours)
        var topResidual = [Float](repeating: 0, count: neighbours)
        var filled = 0
        for position in Int(userStarts[user])..<Int(userStarts[user + 1]) {
            let entry = entries[position]
            let other = Int(entry.joke)
            let similarity = similarities[joke * jokes + other]
            guard other != joke, similarity > 0 else { continue }
            guard filled < neighbours || similarity > topSimilarity[filled - 1] else { continue }

            // Insert into the descending list of the best so far.
            var slot = min(filled, neighbours - 1)
            while slot > 0, topSimilarity[slot - 1] < similarity {
                topSimilarity[slot] = topSimilarity[slot - 1]
                topResidual[slot] = topResidual[slot - 1]
                slot -= 1
            }
            topSimilarity[slot] = similarity
            topResidual[slot] = entry.value - baseline.baseline(user: user, joke: other)
            filled = min(filled + 1, neighbours)
        }
        var weighted: Float = 0
        var total: Float = 0
        for rank in 0..<filled {
            weighted += topSimilarity[rank] * topResidual[rank]
            total += topSimilarity[rank]
        }
        let correction = total > 0 ? weighted / total : 0
        return Self.clampRating(baseline.baseline(user: user, joke: joke) + correction)
    }

    public func similarityVector(joke: Int) -> [Float] {
        Array(similarities[(joke * jokeCount)..<((joke + 1) * jokeCount)])
    }
}

/// Settings of the neighbourhood model.
public struct NeighbourTrainingOptions: Sendable, Equatable {
    public var neighbours = 30
    public var shrinkage: Double = 100
    public var userPenalty: Double = 5
    public var jokePenalty: Double = 25

    public init() {}
}

extension NeighbourModel {
    /// Fits the baseline and the similarities to a rating set; no validation slice is needed.
    public static func train(on ratings: RatingSet, options: NeighbourTrainingOptions) -> NeighbourModel {
        let baseline = BiasModel(
            ratings.entries,
            users: ratings.users.count,
            jokes: ratings.jokes.count,
            userPenalty: options.userPenalty,
            jokePenalty: options.jokePenalty
        )
        let jokes = ratings.jokes.count
        var products = [Double](repeating: 0, count: jokes * jokes)
        var firstSquares = [Double](repeating: 0, count: jokes * jokes)
        var counts = [Int32](repeating: 0, count: jokes * jokes)
        var residuals: [(joke: Int, value: Double)] = []
        for user in 0..<ratings.users.count {
            baseline.residuals(ofUser: user, in: ratings, into: &residuals)
            // Pairs (i, j) accumulate Σ x_i x_j, Σ x_i² and the count; Σ x_j² is (j, i)'s Σ x_i².
            for first in residuals {
                let row = first.joke * jokes
                let square = first.value * first.value
                for second in residuals {
                    products[row + second.joke] += first.value * second.value
                    firstSquares[row + second.joke] += square
                    counts[row + second.joke] += 1
                }
            }
        }

        var similarities = [Float](repeating: 0, count: jokes * jokes)
        for first in 0..<jokes {
            for second in 0..<jokes where first != second {
                let pair = first * jokes + second
                let denominator = (firstSquares[pair] * firstSquares[second * jokes + first]).squareRoot()
                guard denominator > 0 else { continue }
                let count = Double(counts[pair])
                let correlation = products[pair] / denominator
                similarities[pair] = Float(correlation * count / (count + options.shrinkage))
            }
        }
        return NeighbourModel(
            baseline: baseline,
            neighbours: options.neighbours,
            similarities: similarities,
            entries: ratings.entries,
            userStarts: ratings.userStarts
        )
    }
}
