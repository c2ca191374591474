/// Chooses the jokes a new user should rate first so the model learns their vector fastest.
///
/// Jester's own "gauge set" idea, chosen from the model: a greedy D-optimal design. Each
/// step picks the candidate joke whose vector (with a 1 for the bias) most reduces the
/// uncertainty left about a new user's vector, `zᵀ A⁻¹ z`, weighted by how widely the joke's
/// ratings spread, then adds `z zᵀ` to `A`. `A` starts as the ridge prior `λ I`.
public enum OnboardingPlanner {
    /// Joke indexes in the order they should be asked.
    ///
    /// - Parameters:
    ///   - vectors: Each candidate's model vector.
    ///   - spreads: Each candidate's rating standard deviation.
    public static func plan(vectors: [[Float]], spreads: [Float], count: Int, prior: Double = 1) -> [Int] {
        guard let dimension = vectors.first.map({ $0.count + 1 }) else { return [] }
        var inverse = [Double](repeating: 0, count: dimension * dimension)
        for index in 0..<dimension { inverse[index * dimension + index] = 1 / prior }
        var chosen: [Int] = []
        var available = Set(vectors.indices)

        while chosen.count < min(count, vectors.count) {
            var best = -1
            var bestScore = -Double.infinity
            for candidate in available.sorted() {
                let z = features(vectors[candidate])
                let gain = quadratic(inverse, z, dimension) * Double(spreads[candidate] * spreads[candidate])
                if gain > bestScore + 1e-12 {
                    bestScore = gain
                    best = candidate
                }
            }
            guard best >= 0 else { break }
            chosen.append(best)
            available.remove(best)
            shermanMorrison(&inverse, features(vectors[best]), dimension)
        }
        return chosen
    }

    private static func features(_ vector: [Float]) -> [Double] { vector.map(Double.init) + [1] }

    private static func quadratic(_ matrix: [Double], _ z: [Double], _ size: Int) -> Double {
        var total = 0.0
        for row in 0..<size {
            var dot = 0.0
            for column in 0..<size { dot += matrix[row * size + column] * z[column] }
            total += z[row] * dot
        }
        return total
    }

    /// Updates `A⁻¹` to `(A + z zᵀ)⁻¹`.
    private static func shermanMorrison(_ inverse: inout [Double], _ z: [Double], _ size: Int) {
        var product = [Double](repeating: 0, count: size)
        for row in 0..<size {
            for column in 0..<size { product[row] += inverse[row * size + column] * z[column] }
        }
        let denominator = 1 + zip(z, product).reduce(0) { $0 + $1.0 * $1.1 }
        for row in 0..<size {
            for column in 0..<size {
                inverse[row * size + column] -= product[row] * product[column] / denominator
            }
        }
    }
}

extension ModelSnapshot {
    /// The `count` jokes a new user should rate first, by id: suggestible jokes with ratings,
    /// in the order of ``OnboardingPlanner``.
    public func onboarding(count: Int) -> [Int32] {
        var candidates: [Int] = []
        var spreads: [Float] = []
        var squares = [Double](repeating: 0, count: ratings.jokes.count)
        for user in 0..<ratings.users.count {
            for rating in ratings.byUser[user] { squares[Int(rating.joke)] += Double(rating.value * rating.value) }
        }
        for joke in 0..<min(model.jokeCount, ratings.jokes.count)
        where ratings.jokeCounts[joke] >= 2 && isSuggestible(jokeID: ratings.jokes.id(at: joke)) {
            let count = Double(ratings.jokeCounts[joke])
            let mean = ratings.jokeSums[joke] / count
            candidates.append(joke)
            spreads.append(Float(max(0, squares[joke] / count - mean * mean).squareRoot()))
        }
        let vectors = candidates.map(model.similarityVector(joke:))
        return OnboardingPlanner.plan(vectors: vectors, spreads: spreads, count: count)
            .map { ratings.jokes.id(at: candidates[$0]) }
    }
}
