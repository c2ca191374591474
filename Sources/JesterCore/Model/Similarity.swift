/// The cosine similarity of two vectors of equal length; 0 when either is all zeros.
public func cosineSimilarity(_ first: [Float], _ second: [Float]) -> Float {
    precondition(first.count == second.count, "cosine of vectors of different lengths")
    var dot: Float = 0
    var firstNorm: Float = 0
    var secondNorm: Float = 0
    for index in first.indices {
        dot += first[index] * second[index]
        firstNorm += first[index] * first[index]
        secondNorm += second[index] * second[index]
    }
    let norms = (firstNorm * secondNorm).squareRoot()
    return norms > 0 ? dot / norms : 0
}

/// Jokes ranked by the cosine of their model vectors.
///
/// Vectors are normalised once, when the index is built, so a query is one dot product per
/// candidate joke.
public struct SimilarityIndex: Sendable {
    public let dimension: Int
    private let unitVectors: [Float]
    private let candidate: [Bool]

    /// - Parameter candidates: Which joke indexes may appear in results; jokes the model never
    ///   saw a rating of have untrained vectors and should be left out.
    public init(model: some RatingModel, candidates: [Bool]) {
        precondition(candidates.count == model.jokeCount, "one candidate flag per joke")
        let vectors = (0..<model.jokeCount).map(model.similarityVector(joke:))
        dimension = vectors.first?.count ?? 0
        var unitVectors: [Float] = []
        unitVectors.reserveCapacity(vectors.count * dimension)
        for vector in vectors {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            unitVectors.append(contentsOf: vector.map { norm > 0 ? $0 / norm : 0 })
        }
        self.unitVectors = unitVectors
        self.candidate = candidates
    }

    /// The cosine similarity of two jokes' vectors.
    public func similarity(_ first: Int, _ second: Int) -> Float {
        var dot: Float = 0
        for offset in 0..<dimension {
            dot += unitVectors[first * dimension + offset] * unitVectors[second * dimension + offset]
        }
        return dot
    }

    /// The `count` candidate jokes most similar to `joke`, best first, never `joke` itself.
    /// Ties are broken by the lower joke index, so results are deterministic.
    public func mostSimilar(to joke: Int, count: Int) -> [(joke: Int, score: Float)] {
        var scored: [(joke: Int, score: Float)] = []
        for other in candidate.indices where other != joke && candidate[other] {
            scored.append((other, similarity(joke, other)))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.joke < $1.joke }
        return Array(scored.prefix(count))
    }
}
