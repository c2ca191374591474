/// Joke means shrunk toward the global mean: a Bayesian average.
///
/// A joke with `n` ratings summing to `s` gets `(s + m × μ) / (n + m)`, where μ is the global
/// mean and `m` the prior weight, so a joke with three enthusiastic ratings does not outrank
/// one with thousands of good ones.
public struct ShrunkJokeMeans: Sendable {
    public let priorWeight: Double
    public let means: [Float]

    public init(counts: [Int32], sums: [Double], globalMean: Double, priorWeight: Double = 25) {
        self.priorWeight = priorWeight
        means = counts.indices.map { joke in
            Float((sums[joke] + priorWeight * globalMean) / (Double(counts[joke]) + priorWeight))
        }
    }

    public init(_ ratings: RatingSet, priorWeight: Double = 25) {
        self.init(counts: ratings.jokeCounts, sums: ratings.jokeSums, globalMean: ratings.globalMean,
                  priorWeight: priorWeight)
    }
}

/// The global-mean baseline: every prediction is the mean training rating.
public struct GlobalMeanModel: RatingPredictor {
    public let mean: Float

    public init(_ entries: [RatingEntry]) {
        let sum = entries.reduce(0.0) { $0 + Double($1.value) }
        mean = entries.isEmpty ? 0 : Float(sum / Double(entries.count))
    }

    public func predict(user: Int, joke: Int) -> Float { mean }
}

/// The joke-mean baseline: every prediction is the joke's mean training rating, or the
/// global mean for a joke without ratings.
public struct JokeMeanModel: RatingPredictor {
    public let means: [Float]

    public init(_ entries: [RatingEntry], jokes: Int) {
        var sums = [Double](repeating: 0, count: jokes)
        var counts = [Int](repeating: 0, count: jokes)
        var total = 0.0
        for entry in entries {
            sums[Int(entry.joke)] += Double(entry.value)
            counts[Int(entry.joke)] += 1
            total += Double(entry.value)
        }
        let global = entries.isEmpty ? 0 : total / Double(entries.count)
        means = (0..<jokes).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : Float(global) }
    }

    public func predict(user: Int, joke: Int) -> Float { means[joke] }
}
