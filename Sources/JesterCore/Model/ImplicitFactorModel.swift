/// Biased matrix factorisation with implicit feedback (SVD++): a user's vector is a free part
/// plus the normalised sum of an implicit vector of every joke the user rated,
/// `p_u + |N(u)|^-½ Σ_{j ∈ N(u)} y_j`, so which jokes a user chose to rate counts too.
///
/// For serving, ``factors`` holds each user's whole vector (free and implicit parts added),
/// which makes a prediction exactly that of a ``FactorModel``. The implicit joke vectors are
/// kept so that a user's implicit part can be rebuilt (see
/// ``foldInTarget(user:ratedJokes:)``); jesterd does not fold new ratings into this model
/// and learns them at the next full training.
public struct ImplicitFactorModel: RatingModel, Equatable {
    public var kind: ModelKind { .svdpp }
    /// Global mean, biases, joke vectors and each user's whole vector.
    public var factors: FactorModel
    /// `factors.chunks` entries per joke: the implicit vectors `y_j`.
    public var implicitFactors: [SIMD8<Float>]

    public init(factors: FactorModel, implicitFactors: [SIMD8<Float>]) {
        precondition(implicitFactors.count == factors.jokeCount * factors.chunks, "one y per joke")
        self.factors = factors
        self.implicitFactors = implicitFactors
    }

    public var userCount: Int { factors.userCount }
    public var jokeCount: Int { factors.jokeCount }

    public func predict(user: Int, joke: Int) -> Float { factors.predict(user: user, joke: joke) }

    public func similarityVector(joke: Int) -> [Float] { factors.similarityVector(joke: joke) }

    /// The implicit part of a user's vector for a set of rated jokes: `|N|^-½ Σ y_j`.
    ///
    /// Folding a user in keeps it fixed and solves the free part by ridge regression on the
    /// residuals `r − μ − b_i − q_i · implicit`, then serves `free + implicit`.
    public func implicitVector(ratedJokes: some Collection<Int>) -> [Float] {
        let chunks = factors.chunks
        var sum = [SIMD8<Float>](repeating: SIMD8(), count: chunks)
        for joke in ratedJokes {
            for chunk in 0..<chunks { sum[chunk] += implicitFactors[joke * chunks + chunk] }
        }
        let scale = ratedJokes.isEmpty ? 0 : 1 / Float(ratedJokes.count).squareRoot()
        return (0..<factors.factors).map { sum[$0 / 8][$0 % 8] * scale }
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool {
        factors.isFinite && implicitFactors.allSatisfy { ($0 * 0) == SIMD8<Float>() }
    }
}
