/// The baseline μ + b_u + b_i: the global mean, a user bias and a joke bias.
///
/// The biases minimise the squared error plus `jokePenalty × Σ b_i² + userPenalty × Σ b_u²`,
/// found by alternating exact solves, jokes first, for ``sweeps`` rounds: each joke bias is
/// the mean of its residuals shrunk as if it had `jokePenalty` more ratings of residual zero,
/// and likewise each user bias. With both penalties zero and one sweep it is the joke mean
/// plus the user's mean deviation from it.
public struct BiasModel: RatingPredictor, Equatable {
    public static let sweeps = 10

    public var globalMean: Float
    public var userBias: [Float]
    public var jokeBias: [Float]

    /// Fits the biases to entries indexed for `users` users and `jokes` jokes.
    public init(
        _ entries: [RatingEntry],
        users: Int,
        jokes: Int,
        userPenalty: Double = 5,
        jokePenalty: Double = 25
    ) {
        let mean = entries.isEmpty ? 0 : entries.reduce(0.0) { $0 + Double($1.value) } / Double(entries.count)
        var userBias = [Double](repeating: 0, count: users)
        var jokeBias = [Double](repeating: 0, count: jokes)
        var userCounts = [Double](repeating: 0, count: users)
        var jokeCounts = [Double](repeating: 0, count: jokes)
        for entry in entries {
            userCounts[Int(entry.user)] += 1
            jokeCounts[Int(entry.joke)] += 1
        }

        for _ in 0..<Self.sweeps {
            var sums = [Double](repeating: 0, count: jokes)
            for entry in entries {
                sums[Int(entry.joke)] += Double(entry.value) - mean - userBias[Int(entry.user)]
            }
            for joke in 0..<jokes { jokeBias[joke] = sums[joke] / (jokeCounts[joke] + jokePenalty) }

            sums = [Double](repeating: 0, count: users)
            for entry in entries {
                sums[Int(entry.user)] += Double(entry.value) - mean - jokeBias[Int(entry.joke)]
            }
            for user in 0..<users { userBias[user] = sums[user] / (userCounts[user] + userPenalty) }
        }

        globalMean = Float(mean)
        self.userBias = userBias.map { Float($0) }
        self.jokeBias = jokeBias.map { Float($0) }
    }

    /// The baseline before clamping.
    @inline(__always)
    /// A user's ratings minus their baseline, by joke index, into `residuals` (emptied first).
    func residuals(ofUser user: Int, in ratings: RatingSet, into residuals: inout [(joke: Int, value: Double)]) {
        residuals.removeAll(keepingCapacity: true)
        for entry in ratings.entries(ofUser: user) {
            let joke = Int(entry.joke)
            residuals.append((joke, Double(entry.value - baseline(user: user, joke: joke))))
        }
    }

    public func baseline(user: Int, joke: Int) -> Float {
        globalMean + userBias[user] + jokeBias[joke]
    }

    public func predict(user: Int, joke: Int) -> Float {
        min(10, max(-10, baseline(user: user, joke: joke)))
    }
}
