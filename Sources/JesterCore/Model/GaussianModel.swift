/// The conditional Gaussian model: every user's ratings are one draw from a multivariate normal
/// over all jokes, and an unrated joke is predicted by its conditional mean given the rated ones.
///
/// Training estimates the joke means μ and the joke-by-joke covariance Σ. For a user who rated
/// the jokes `o`, the weights `α = (Σ_oo + λI)⁻¹ (x_o − μ_o)` give every joke `j` the prediction
/// `μ_j + Σ_jo α`. The ridge λ stands for rating noise: it keeps a user with two ratings from
/// being fitted to them exactly. With only about a hundred jokes, Σ is small enough to hold in
/// full and is estimated from millions of ratings, while each user's part is solved exactly
/// rather than learned by gradient steps: that is what makes the model strong on users with
/// few ratings.
///
/// The model keeps each user's predictions of every trained joke in one row, so a prediction
/// is one load. A new rating folds in exactly: the user's row is solved again from all their
/// ratings (see ``resolve(user:ratings:)``).
///
/// A joke without ratings at training (one listed in the jokes file only) and a joke added
/// since have no covariance. Once rated, such a joke is answered by a ridge regression of its
/// ratings on its raters' rows (see ``solveUncoveredJoke(_:raters:globalMean:)``), fitted again
/// with every rating while the live store lists its raters, and kept from then until the next
/// full training.
public struct GaussianModel: RatingModel {
    public var kind: ModelKind { .gaussian }
    /// The width of a row: the jokes indexed at training.
    public let trainedJokes: Int
    public let jokeMeans: [Float]
    /// `trainedJokes × trainedJokes`, row-major, positive definite.
    public let covariance: [Float]
    /// The covariance in the precision the solves use.
    let wideCovariance: [Double]
    public let ridge: Float
    /// Whether each trained joke had ratings at training, and so a covariance of its own.
    public let covered: [Bool]
    /// The lower Cholesky factor of Σ, row-major, for similarity.
    private let factor: [Float]
    /// `userCount × trainedJokes` predictions, row-major.
    public private(set) var rows: PagedArray<Float>
    public private(set) var userCount: Int
    /// One regression per joke index, `nil` for the covered jokes.
    public private(set) var regressions: [JokeRegression?]

    /// A joke without a covariance: `offset + Σ_k weights_k × row_k`.
    public struct JokeRegression: Sendable, Equatable {
        public var offset: Float
        /// `trainedJokes` weights, or none for a joke answered by its offset alone.
        public var weights: [Float]
    }

    /// A model as training leaves it; the covariance must be positive definite.
    public init?(
        jokeMeans: [Float], covariance: [Float], ridge: Float, covered: [Bool],
        rows: PagedArray<Float>, userCount: Int
    ) {
        let jokes = jokeMeans.count
        guard covariance.count == jokes * jokes, covered.count == jokes,
            rows.count == userCount * jokes,
            ridge.isFinite, ridge >= 0,
            let lower = SymmetricAlgebra.cholesky(covariance.map(Double.init), size: jokes)
        else { return nil }
        trainedJokes = jokes
        self.jokeMeans = jokeMeans
        self.covariance = covariance
        wideCovariance = covariance.map(Double.init)
        self.ridge = ridge
        self.covered = covered
        factor = lower.map(Float.init)
        self.rows = rows
        self.userCount = userCount
        regressions = (0..<jokes).map {
            covered[$0] ? nil : JokeRegression(offset: jokeMeans[$0], weights: [])
        }
    }

    public var jokeCount: Int { regressions.count }

    /// Whether the joke has a covariance, so that its predictions come from the users' rows.
    @inline(__always)
    public func covers(_ joke: Int) -> Bool { joke < trainedJokes && covered[joke] }

    @inline(__always)
    public func predict(user: Int, joke: Int) -> Float {
        Self.clampRating(predictUnclamped(user: user, joke: joke))
    }

    /// The prediction before it is limited to the rating scale.
    @inline(__always)
    public func predictUnclamped(user: Int, joke: Int) -> Float {
        let start = user * trainedJokes
        guard let regression = regressions[joke] else { return rows[start + joke] }
        var sum = regression.offset
        for (index, weight) in regression.weights.enumerated() {
            sum += weight * rows[start + index]
        }
        return sum
    }

    /// Row `joke` of the Cholesky factor of Σ: the cosine of two such rows is the correlation
    /// of the two jokes' ratings. A joke without a covariance gets the combination of rows its
    /// regression makes.
    public func similarityVector(joke: Int) -> [Float] {
        let jokes = trainedJokes
        guard let regression = regressions[joke] else {
            return Array(factor[(joke * jokes)..<((joke + 1) * jokes)])
        }
        var vector = [Float](repeating: 0, count: jokes)
        for (index, weight) in regression.weights.enumerated() where weight != 0 {
            for column in 0..<jokes { vector[column] += weight * factor[index * jokes + column] }
        }
        return vector
    }

    /// Ratings at which the similarity of a joke without a covariance counts half: its
    /// regression's vector is scale-free, so after a handful of ratings it would otherwise
    /// look as alike as jokes whose covariance came from thousands.
    public static let similaritySupportPrior = 20

    /// 1 for a joke with a covariance (its correlations are already shrunk by their support);
    /// `n / (n + 20)` for one answered by regression after `n` ratings.
    public func similarityWeight(joke: Int, ratingCount: Int) -> Float {
        guard !covers(joke) else { return 1 }
        let count = Float(max(0, ratingCount))
        return count / (count + Float(Self.similaritySupportPrior))
    }

    /// Whether every parameter and every prediction is finite.
    public var isFinite: Bool {
        ridge.isFinite && jokeMeans.allSatisfy(\.isFinite) && covariance.allSatisfy(\.isFinite)
            && rows.allSatisfy(\.isFinite)
            && regressions.allSatisfy {
                $0.map { $0.offset.isFinite && $0.weights.allSatisfy(\.isFinite) } ?? true
            }
    }
}

extension GaussianModel {
    /// How much each of a user's ratings (covered jokes only) counts in their prediction of
    /// `joke`: the weights `w = (Σ_oo + λI)⁻¹ Σ_oj`, so that the prediction is
    /// `μ_j + Σ_i w_i (x_i − μ_i)`. Each rating's pull `w_i (x_i − μ_i)` is what moving that
    /// rating to its joke's mean would take off the prediction. Empty for a user without such
    /// ratings or a joke without a covariance.
    public func influences(of ratings: [JokeRating], on joke: Int)
        -> [(joke: Int, weight: Double, deviation: Double)] {
        let observed = ratings.filter { covers(Int($0.joke)) }
        guard covers(joke), !observed.isEmpty else { return [] }
        let size = observed.count
        var system = [Double](repeating: 0, count: size * size)
        var column = [Double](repeating: 0, count: size)
        for (row, first) in observed.enumerated() {
            let base = Int(first.joke) * trainedJokes
            for (position, second) in observed.enumerated() {
                system[row * size + position] = wideCovariance[base + Int(second.joke)]
            }
            system[row * size + row] += Double(ridge)
            column[row] = wideCovariance[base + joke]
        }
        guard let weights = SymmetricAlgebra.solvePositiveDefinite(system, column, size: size)
        else { return [] }
        return zip(observed, weights).map { rating, weight in
            (Int(rating.joke), weight, Double(rating.value - jokeMeans[Int(rating.joke)]))
        }
    }

    /// The predictions of every trained joke for a user who rated `ratings`, computed exactly
    /// as training computes them; `nil` when the solve fails.
    public func row(for ratings: [JokeRating]) -> [Float]? {
        let entries = ratings.map { RatingEntry(user: 0, joke: $0.joke, value: $0.value) }
        var row = [Float](repeating: 0, count: trainedJokes)
        var solver = RowSolver(model: self)
        let solved = row.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { solver.solve(entries[...], into: $0) } ?? true
        }
        return solved ? row : nil
    }

    /// Solves a user's row again from all their ratings, adding users up to `user` as needed;
    /// a solve that fails leaves the row as it was.
    public mutating func resolve(user: Int, ratings: [JokeRating]) {
        growUsers(to: user + 1)
        guard let row = row(for: ratings) else { return }
        rows.replaceSubrange(startingAt: user * trainedJokes, with: row)
    }

    /// Adds users who have rated nothing yet: their rows are the joke means.
    public mutating func growUsers(to count: Int) {
        while userCount < count {
            for value in jokeMeans { rows.append(value) }
            userCount += 1
        }
    }

    /// Adds jokes with no ratings yet, answered by `mean`, until there are `count`.
    public mutating func growJokes(to count: Int, mean: Float) {
        while jokeCount < count { regressions.append(JokeRegression(offset: mean, weights: [])) }
    }

    /// Ratings' worth of prior on an uncovered joke: its fit is shrunk as if it had this many
    /// more raters, all rating it at the mean of all ratings.
    static let regressionPriorRatings = 5.0

    /// Fits a joke without a covariance to its raters' rows: a ridge regression of
    /// `rating − globalMean` on `row − μ` with a bias. The bias is penalised by
    /// ``regressionPriorRatings`` and the weights by that many times the raters' mean squared
    /// feature norm, so that a joke with `n` raters is fitted about `n / (n + 5)` of the way
    /// to them, however many jokes a row holds.
    public mutating func solveUncoveredJoke(
        _ joke: Int, raters: [(user: Int32, value: Float)],
        globalMean: Float
    ) {
        guard !covers(joke), joke < jokeCount, !raters.isEmpty else { return }
        var system = RidgeSystem(dimension: trainedJokes)
        var features = [Float](repeating: 0, count: trainedJokes)
        var squaredNorms = 0.0
        var used = 0
        for rater in raters where Int(rater.user) < userCount {
            let start = Int(rater.user) * trainedJokes
            for index in 0..<trainedJokes {
                features[index] = rows[start + index] - jokeMeans[index]
                squaredNorms += Double(features[index] * features[index])
            }
            system.add(features, target: Double(rater.value - globalMean))
            used += 1
        }
        let meanSquaredNorm = used > 0 ? max(squaredNorms / Double(used), 1e-6) : 1
        let prior = Self.regressionPriorRatings
        system.addPenalty(weights: prior * meanSquaredNorm, bias: prior)
        guard let solution = system.solve() else { return }

        // offset = globalMean + bias − Σ w_k μ_k, so a prediction is one dot product with the row.
        var offset = Double(globalMean) + Double(solution.bias)
        for (weight, mean) in zip(solution.weights, jokeMeans) {
            offset -= Double(weight) * Double(mean)
        }
        regressions[joke] = JokeRegression(offset: Float(offset), weights: solution.weights)
    }

    /// Restores the regressions of jokes without a covariance, as saved.
    mutating func restoreRegressions(_ saved: [JokeRegression?]) {
        regressions = saved
    }
}
