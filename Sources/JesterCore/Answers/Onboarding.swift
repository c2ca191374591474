/// Chooses the jokes a new user should rate first so the model learns their vector fastest.
///
/// Jester's own "gauge set" idea, chosen from the model: a greedy I-optimal design. A new
/// user's parameters (vector and bias) start with the ridge prior `A = λ I`; rating a joke
/// with vector `z` (a 1 appended for the bias) adds `z zᵀ` to `A`. Each step picks the joke
/// that most lowers the summed uncertainty of the predictions for all candidate jokes,
/// `trace(A⁻¹ S)` with `S = Σ z zᵀ`, which by Sherman-Morrison is a gain of
/// `uᵀ S u / (1 + zᵀ u)` with `u = A⁻¹ z`.
public enum OnboardingPlanner {
    /// Joke indexes into `vectors`, in the order they should be asked.
    public static func plan(vectors: [[Float]], count: Int, prior: Double = 1) -> [Int] {
        guard let dimension = vectors.first.map({ $0.count + 1 }) else { return [] }
        let features = vectors.map { $0.map(Double.init) + [1] }
        var spread = [Double](repeating: 0, count: dimension * dimension)
        for z in features {
            for row in 0..<dimension {
                for column in 0..<dimension { spread[row * dimension + column] += z[row] * z[column] }
            }
        }
        var inverse = [Double](repeating: 0, count: dimension * dimension)
        for index in 0..<dimension { inverse[index * dimension + index] = 1 / prior }

        var chosen: [Int] = []
        var available = Array(vectors.indices)
        while chosen.count < min(count, vectors.count) {
            var best = -1
            var bestGain = -Double.infinity
            for candidate in available {
                let z = features[candidate]
                let u = multiply(inverse, z, dimension)
                let gain = quadratic(spread, u, dimension) / (1 + dot(z, u))
                if gain > bestGain + 1e-12 {
                    bestGain = gain
                    best = candidate
                }
            }
            guard best >= 0 else { break }
            chosen.append(best)
            available.removeAll { $0 == best }
            shermanMorrison(&inverse, features[best], dimension)
        }
        return chosen
    }

    private static func dot(_ first: [Double], _ second: [Double]) -> Double {
        zip(first, second).reduce(0) { $0 + $1.0 * $1.1 }
    }

    private static func multiply(_ matrix: [Double], _ z: [Double], _ size: Int) -> [Double] {
        (0..<size).map { row in
            var total = 0.0
            for column in 0..<size { total += matrix[row * size + column] * z[column] }
            return total
        }
    }

    private static func quadratic(_ matrix: [Double], _ z: [Double], _ size: Int) -> Double {
        dot(z, multiply(matrix, z, size))
    }

    /// Updates `A⁻¹` to `(A + z zᵀ)⁻¹`.
    private static func shermanMorrison(_ inverse: inout [Double], _ z: [Double], _ size: Int) {
        let product = multiply(inverse, z, size)
        let denominator = 1 + dot(z, product)
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
        let candidates = (0..<min(model.jokeCount, ratings.jokes.count)).filter { joke in
            ratings.jokeCounts[joke] >= 2 && isSuggestible(jokeID: ratings.jokes.id(at: joke))
        }
        let vectors = candidates.map(model.similarityVector(joke:))
        return OnboardingPlanner.plan(vectors: vectors, count: count)
            .map { ratings.jokes.id(at: candidates[$0]) }
    }
}
