import Synchronization

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
                let scale = z[row]
                for column in 0..<dimension { spread[row * dimension + column] += scale * z[column] }
            }
        }
        var inverse = [Double](repeating: 0, count: dimension * dimension)
        for index in 0..<dimension { inverse[index * dimension + index] = 1 / prior }

        var chosen: [Int] = []
        var available = Array(vectors.indices)
        var u = [Double](repeating: 0, count: dimension)
        var su = [Double](repeating: 0, count: dimension)
        while chosen.count < min(count, vectors.count) {
            var best = -1
            var bestGain = -Double.infinity
            for candidate in available {
                let z = features[candidate]
                multiply(inverse, z, into: &u, dimension)
                multiply(spread, u, into: &su, dimension)
                let gain = dot(u, su) / (1 + dot(z, u))
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
        var total = 0.0
        for index in first.indices { total += first[index] * second[index] }
        return total
    }

    /// `output = matrix · z` for a square, row-major matrix.
    private static func multiply(_ matrix: [Double], _ z: [Double], into output: inout [Double], _ size: Int) {
        matrix.withUnsafeBufferPointer { matrix in
            z.withUnsafeBufferPointer { z in
                for row in 0..<size {
                    let start = row * size
                    var total = 0.0
                    for column in 0..<size { total += matrix[start + column] * z[column] }
                    output[row] = total
                }
            }
        }
    }

    /// Updates `A⁻¹` to `(A + z zᵀ)⁻¹`.
    private static func shermanMorrison(_ inverse: inout [Double], _ z: [Double], _ size: Int) {
        var product = [Double](repeating: 0, count: size)
        multiply(inverse, z, into: &product, size)
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
    /// in the order the model plans them (see ``RatingModel/onboardingPlan(candidates:count:)``).
    ///
    /// A greedy plan for fewer jokes is a prefix of the plan for more, so the longest plan
    /// asked of this snapshot is kept and shorter requests are answered from it.
    public func onboarding(count: Int) -> [Int32] {
        guard count > 0 else { return [] }
        if let known = onboardingCache.withLock({ $0.prefix(count) }) { return known }

        let candidates = (0..<min(model.jokeCount, ratings.jokes.count)).filter { joke in
            ratings.jokeCounts[joke] >= 2 && suggestible[joke]
        }
        let plan = model.onboardingPlan(candidates: candidates, count: count)
            .map { ratings.jokes.id(at: $0) }
        onboardingCache.withLock { $0.keep(plan, complete: plan.count < count) }
        return plan
    }
}

/// The longest onboarding plan computed for one snapshot.
struct OnboardingCache: Sendable {
    private var plan: [Int32] = []
    /// Whether `plan` already holds every joke the model would ever ask.
    private var complete = false

    /// The first `count` jokes of the plan, or `nil` when it is not known that far.
    func prefix(_ count: Int) -> [Int32]? {
        guard count <= plan.count || complete else { return nil }
        return Array(plan.prefix(count))
    }

    mutating func keep(_ longer: [Int32], complete isComplete: Bool) {
        guard longer.count > plan.count || (isComplete && !complete) else { return }
        plan = longer
        complete = isComplete
    }
}
