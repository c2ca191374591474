/// A ``FactorModel`` as jesterd serves it: the same parameters, with user parameters kept in
/// pages so that a snapshot costs little and users can be added and re-solved in place.
public struct LiveFactorModel: RatingModel {
    public var kind: ModelKind { .mf }
    public let factors: Int
    public let chunks: Int
    public let globalMean: Float
    public private(set) var userBias: PagedArray<Float>
    /// `chunks` entries per user.
    public private(set) var userVectors: PagedArray<SIMD8<Float>>
    public private(set) var jokeBias: [Float]
    /// `chunks` entries per joke.
    public private(set) var jokeVectors: [SIMD8<Float>]

    public init(_ model: FactorModel) {
        factors = model.factors
        chunks = model.chunks
        globalMean = model.globalMean
        userBias = PagedArray(model.userBias)
        userVectors = PagedArray(model.userFactors)
        jokeBias = model.jokeBias
        jokeVectors = model.jokeFactors
    }

    public var userCount: Int { userBias.count }
    public var jokeCount: Int { jokeBias.count }

    @inline(__always)
    public func rawPrediction(user: Int, joke: Int) -> Float {
        var dot = SIMD8<Float>()
        for chunk in 0..<chunks {
            dot += userVectors[user * chunks + chunk] * jokeVectors[joke * chunks + chunk]
        }
        return globalMean + userBias[user] + jokeBias[joke] + dot.sum()
    }

    public func predict(user: Int, joke: Int) -> Float {
        Self.clampRating(rawPrediction(user: user, joke: joke))
    }

    public func similarityVector(joke: Int) -> [Float] {
        (0..<factors).map { jokeVectors[joke * chunks + $0 / 8][$0 % 8] }
    }

    /// The factor part of a prediction: the dot product of the two vectors.
    public func dot(user: Int, joke: Int) -> Float {
        rawPrediction(user: user, joke: joke) - globalMean - userBias[user] - jokeBias[joke]
    }

    /// Adds users with zero bias and a zero vector until there are `count`.
    public mutating func growUsers(to count: Int) {
        while userBias.count < count {
            userBias.append(0)
            for _ in 0..<chunks { userVectors.append(SIMD8()) }
        }
    }

    /// Adds jokes with zero bias and a zero vector until there are `count`.
    public mutating func growJokes(to count: Int) {
        while jokeBias.count < count {
            jokeBias.append(0)
            jokeVectors.append(contentsOf: repeatElement(SIMD8(), count: chunks))
        }
    }

    /// A joke's vector as floats.
    func jokeVector(_ joke: Int) -> [Float] { similarityVector(joke: joke) }

    /// A user's vector as floats.
    func userVector(_ user: Int) -> [Float] {
        (0..<factors).map { userVectors[user * chunks + $0 / 8][$0 % 8] }
    }

    mutating func setUser(_ user: Int, bias: Float, vector: [Float]) {
        userBias[user] = bias
        for chunk in 0..<chunks { userVectors[user * chunks + chunk] = Self.chunk(vector, chunk) }
    }

    mutating func setJoke(_ joke: Int, bias: Float, vector: [Float]) {
        jokeBias[joke] = bias
        for chunk in 0..<chunks { jokeVectors[joke * chunks + chunk] = Self.chunk(vector, chunk) }
    }

    private static func chunk(_ vector: [Float], _ chunk: Int) -> SIMD8<Float> {
        var values = SIMD8<Float>()
        for lane in 0..<8 where chunk * 8 + lane < vector.count { values[lane] = vector[chunk * 8 + lane] }
        return values
    }
}
