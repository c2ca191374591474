/// Biased matrix factorisation: global mean, user bias, joke bias and the dot product of
/// `factors`-dimensional user and joke vectors.
///
/// Vectors are stored as `SIMD8<Float>` chunks; when `factors` is not a multiple of 8 the last
/// chunk is padded with zeros, which training keeps at zero.
public struct FactorModel: RatingModel, Equatable {
    public var kind: ModelKind { .mf }
    public let factors: Int
    /// `SIMD8` chunks per vector.
    public let chunks: Int
    public var globalMean: Float
    public var userBias: [Float]
    public var jokeBias: [Float]
    public var userFactors: [SIMD8<Float>]
    public var jokeFactors: [SIMD8<Float>]

    /// A model with zero biases and small random factors.
    public init(users: Int, jokes: Int, factors: Int, globalMean: Float, initScale: Float,
                generator: inout SeededGenerator) {
        precondition(factors >= 1, "a factor model needs at least one factor")
        self.factors = factors
        self.chunks = (factors + 7) / 8
        self.globalMean = globalMean
        userBias = [Float](repeating: 0, count: users)
        jokeBias = [Float](repeating: 0, count: jokes)
        userFactors = Self.randomVectors(users, factors: factors, scale: initScale, &generator)
        jokeFactors = Self.randomVectors(jokes, factors: factors, scale: initScale, &generator)
    }

    public var userCount: Int { userBias.count }
    public var jokeCount: Int { jokeBias.count }

    @inline(__always)
    public func dot(user: Int, joke: Int) -> Float {
        var sum = SIMD8<Float>()
        for chunk in 0..<chunks {
            sum += userFactors[user * chunks + chunk] * jokeFactors[joke * chunks + chunk]
        }
        return sum.sum()
    }

    @inline(__always)
    public func rawPrediction(user: Int, joke: Int) -> Float {
        globalMean + userBias[user] + jokeBias[joke] + dot(user: user, joke: joke)
    }

    public func predict(user: Int, joke: Int) -> Float {
        Self.clampRating(rawPrediction(user: user, joke: joke))
    }

    public func similarityVector(joke: Int) -> [Float] {
        var vector: [Float] = []
        vector.reserveCapacity(factors)
        for chunk in 0..<chunks {
            let values = jokeFactors[joke * chunks + chunk]
            for lane in 0..<8 where chunk * 8 + lane < factors {
                vector.append(values[lane])
            }
        }
        return vector
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool {
        globalMean.isFinite
            && userBias.allSatisfy(\.isFinite) && jokeBias.allSatisfy(\.isFinite)
            && userFactors.allSatisfy { ($0 * 0) == SIMD8<Float>() }
            && jokeFactors.allSatisfy { ($0 * 0) == SIMD8<Float>() }
    }

    private static func randomVectors(_ count: Int, factors: Int, scale: Float,
                                      _ generator: inout SeededGenerator) -> [SIMD8<Float>] {
        let chunks = (factors + 7) / 8
        var vectors = [SIMD8<Float>](repeating: SIMD8(), count: count * chunks)
        for row in 0..<count {
            for dimension in 0..<factors {
                vectors[row * chunks + dimension / 8][dimension % 8] = generator.nextSymmetric(scale)
            }
        }
        return vectors
    }
}
