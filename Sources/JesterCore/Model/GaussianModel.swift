/// The conditional Gaussian model: every user's ratings are one draw from a multivariate normal
/// over all jokes, and an unrated joke is predicted by its conditional mean given the rated ones.
///
/// Training estimates the joke means μ and the joke-by-joke covariance Σ. For a user who rated
/// the jokes `o`, the weights `α = (Σ_oo + λI)⁻¹ (x_o − μ_o)` give every joke `j` the prediction
/// `μ_j + Σ_jo α`. The ridge λ stands for rating noise: it keeps a user with two ratings from being
/// fitted to them exactly. With only about a hundred jokes, Σ is small enough to hold in full and
/// is estimated from millions of ratings, while each user's part is solved exactly rather than
/// learned by gradient steps: that is what makes the model strong on users with few ratings.
///
/// The model keeps each user's predictions for every trained joke in one row, so a prediction is
/// one load. A new rating folds in exactly: the user's row is solved again from all their ratings
/// (see ``resolve(user:ratings:)``). A joke added after training has no covariance; once rated,
/// it is answered by a ridge regression of its ratings on its raters' rows (see
/// ``solveNewJoke(_:raters:globalMean:)``) until the next full training.
public struct GaussianModel: RatingModel {
    public var kind: ModelKind { .gaussian }
    /// The jokes that have a mean and a covariance.
    public let trainedJokes: Int
    public let jokeMeans: [Float]
    /// `trainedJokes × trainedJokes`, row-major, positive definite.
    public let covariance: [Float]
    public let ridge: Float
    /// The lower Cholesky factor of Σ, row-major, for similarity.
    private let factor: [Float]
    /// `userCount × trainedJokes` predictions, row-major.
    public private(set) var rows: PagedArray<Float>
    public private(set) var userCount: Int
    /// Jokes added after training, by index minus ``trainedJokes``.
    public private(set) var newJokes: [NewJoke] = []

    /// A joke added after training: `bias + Σ_k weights_k (row_k − μ_k)`.
    public struct NewJoke: Sendable, Equatable {
        public var bias: Float
        public var weights: [Float]
    }

    public init(jokeMeans: [Float], covariance: [Float], ridge: Float, rows: PagedArray<Float>) {
        let jokes = jokeMeans.count
        precondition(covariance.count == jokes * jokes, "a covariance of every pair of jokes")
        precondition(jokes == 0 || rows.count % jokes == 0, "whole rows of predictions")
        trainedJokes = jokes
        self.jokeMeans = jokeMeans
        self.covariance = covariance
        self.ridge = ridge
        factor = GaussianAlgebra.cholesky(covariance.map(Double.init), size: jokes)
            .map { $0.map(Float.init) } ?? [Float](repeating: 0, count: jokes * jokes)
        self.rows = rows
        userCount = jokes == 0 ? 0 : rows.count / jokes
    }

    public var jokeCount: Int { trainedJokes + newJokes.count }

    @inline(__always)
    public func predict(user: Int, joke: Int) -> Float {
        Self.clampRating(predictUnclamped(user: user, joke: joke))
    }

    /// The prediction before it is limited to the rating scale.
    @inline(__always)
    public func predictUnclamped(user: Int, joke: Int) -> Float {
        guard joke >= trainedJokes else { return rows[user * trainedJokes + joke] }
        let added = newJokes[joke - trainedJokes]
        var sum = added.bias
        let start = user * trainedJokes
        for (index, weight) in added.weights.enumerated() where weight != 0 {
            sum += weight * (rows[start + index] - jokeMeans[index])
        }
        return sum
    }

    /// Row `joke` of the Cholesky factor of Σ: the cosine of two such rows is the correlation
    /// of the two jokes' ratings.
    /// A joke added after training gets the same combination of rows as its prediction.
    public func similarityVector(joke: Int) -> [Float] {
        let jokes = trainedJokes
        guard joke >= jokes else { return Array(factor[(joke * jokes)..<((joke + 1) * jokes)]) }
        var vector = [Float](repeating: 0, count: jokes)
        for (index, weight) in newJokes[joke - jokes].weights.enumerated() where weight != 0 {
            for column in 0..<jokes { vector[column] += weight * factor[index * jokes + column] }
        }
        return vector
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool {
        jokeMeans.allSatisfy(\.isFinite) && covariance.allSatisfy(\.isFinite) && rows.allSatisfy(\.isFinite)
    }
}

extension GaussianModel {
    /// The weights `α` of a user who rated `ratings` (trained jokes only), with the jokes they
    /// belong to; empty for a user without such ratings.
    public func weights(of ratings: [JokeRating]) -> [(joke: Int, weight: Double)] {
        let observed = ratings.filter { Int($0.joke) < trainedJokes }
        guard !observed.isEmpty else { return [] }
        let size = observed.count
        var system = [Double](repeating: 0, count: size * size)
        var residual = [Double](repeating: 0, count: size)
        for (row, first) in observed.enumerated() {
            let base = Int(first.joke) * trainedJokes
            for (column, second) in observed.enumerated() {
                system[row * size + column] = Double(covariance[base + Int(second.joke)])
            }
            system[row * size + row] += Double(ridge)
            residual[row] = Double(first.value - jokeMeans[Int(first.joke)])
        }
        guard let solution = GaussianAlgebra.solvePositiveDefinite(system, residual, size: size) else {
            return []
        }
        return zip(observed, solution).map { (Int($0.joke), $1) }
    }

    /// The predictions of every trained joke for a user who rated `ratings`, computed exactly as
    /// training computes them.
    public func row(for ratings: [JokeRating]) -> [Float] {
        let entries = ratings.filter { Int($0.joke) < trainedJokes }
            .map { RatingEntry(user: 0, joke: $0.joke, value: $0.value) }
        var row = [Float](repeating: 0, count: trainedJokes)
        var solver = RowSolver(model: self)
        row.withUnsafeMutableBufferPointer { solver.solve(entries[...], into: $0.baseAddress!) }
        return row
    }

    /// Solves a user's row again from all their ratings, adding users up to `user` as needed.
    public mutating func resolve(user: Int, ratings: [JokeRating]) {
        growUsers(to: user + 1)
        let row = row(for: ratings)
        let start = user * trainedJokes
        for (offset, value) in row.enumerated() { rows[start + offset] = value }
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
        while jokeCount < count {
            newJokes.append(NewJoke(bias: mean, weights: [Float](repeating: 0, count: trainedJokes)))
        }
    }

    /// Ratings' worth of penalty on a new joke's weights, per rater, and on its bias.
    static let newJokeWeightPenalty = 10.0
    static let newJokeBiasPenalty = 5.0

    /// Fits a joke added after training to its raters' rows: a ridge regression of
    /// `rating − globalMean` on `row − μ` with a bias, the weights penalised by
    /// ``newJokeWeightPenalty`` per rater (plus five) and the bias by ``newJokeBiasPenalty``.
    public mutating func solveNewJoke(_ joke: Int, raters: [(user: Int32, value: Float)], globalMean: Float) {
        guard joke >= trainedJokes, joke < jokeCount, !raters.isEmpty else { return }
        var system = RidgeSystem(dimension: trainedJokes)
        for rater in raters where Int(rater.user) < userCount {
            let start = Int(rater.user) * trainedJokes
            let features = (0..<trainedJokes).map { rows[start + $0] - jokeMeans[$0] }
            system.add(features, target: Double(rater.value - globalMean))
        }
        system.addPenalty(weights: Self.newJokeWeightPenalty * Double(raters.count + 5), bias: Self.newJokeBiasPenalty)
        guard let solution = system.solve() else { return }
        newJokes[joke - trainedJokes] = NewJoke(bias: globalMean + solution.bias, weights: solution.weights)
    }

    /// Restores jokes added after training, as saved.
    mutating func restoreNewJokes(_ jokes: [NewJoke]) {
        newJokes = jokes
    }
}
