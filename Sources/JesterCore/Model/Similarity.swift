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
/// Vectors are normalised (and scaled by their joke's weight) once, when the index is built,
/// so a query is one dot product per candidate joke.
public struct SimilarityIndex: Sendable {
    public let dimension: Int
    private let unitVectors: [Float]
    private let candidate: [Bool]

    /// - Parameters:
    ///   - candidates: Which joke indexes may appear in results; jokes the model never saw a
    ///     rating of have untrained vectors and should be left out.
    ///   - weights: Per joke, a factor in 0...1 on every similarity of the joke (see
    ///     ``RatingModel/similarityWeight(joke:ratingCount:)``); all 1 when `nil`.
    public init(model: some RatingModel, candidates: [Bool], weights: [Float]? = nil) {
        precondition(candidates.count == model.jokeCount, "one candidate flag per joke")
        precondition(weights.map { $0.count == model.jokeCount } ?? true, "one weight per joke")
        let vectors = (0..<model.jokeCount).map(model.similarityVector(joke:))
        dimension = vectors.first?.count ?? 0
        var unitVectors: [Float] = []
        unitVectors.reserveCapacity(vectors.count * dimension)
        for (joke, vector) in vectors.enumerated() {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = norm > 0 ? (weights?[joke] ?? 1) / norm : 0
            unitVectors.append(contentsOf: vector.map { $0 * scale })
        }
        self.unitVectors = unitVectors
        self.candidate = candidates
    }

    /// The cosine similarity of two jokes' vectors, times both jokes' weights.
    public func similarity(_ first: Int, _ second: Int) -> Float {
        unitVectors.withUnsafeBufferPointer { vectors in
            Self.dot(vectors, first * dimension, second * dimension, dimension)
        }
    }

    /// The `count` candidate jokes most similar to `joke`, best first, never `joke` itself.
    /// Ties are broken by the lower joke index, so results are deterministic.
    public func mostSimilar(to joke: Int, count: Int) -> [(joke: Int, score: Float)] {
        guard count > 0 else { return [] }
        func ranksBefore(_ first: (joke: Int, score: Float), _ second: (joke: Int, score: Float))
            -> Bool
        {
            first.score != second.score ? first.score > second.score : first.joke < second.joke
        }

        // The best `count` so far, kept sorted; most candidates fail the test against the last.
        var best: [(joke: Int, score: Float)] = []
        best.reserveCapacity(min(count, candidate.count) + 1)
        unitVectors.withUnsafeBufferPointer { vectors in
            let start = joke * dimension
            for other in candidate.indices where other != joke && candidate[other] {
                let score = Self.dot(vectors, start, other * dimension, dimension)
                let entry = (joke: other, score: score)
                if best.count == count, let last = best.last, !ranksBefore(entry, last) { continue }
                var position = best.count
                while position > 0 && ranksBefore(entry, best[position - 1]) { position -= 1 }
                best.insert(entry, at: position)
                if best.count > count { best.removeLast() }
            }
        }
        return best
    }

    /// The dot product of two stretches of `vectors`, eight lanes at a time.
    @inline(__always)
    private static func dot(_ vectors: UnsafeBufferPointer<Float>, _ first: Int, _ second: Int,
                            _ length: Int) -> Float
    {
        guard let base = vectors.baseAddress else { return 0 }
        let left = base + first
        let right = base + second
        var lanes = SIMD8<Float>()
        var offset = 0
        while offset + 8 <= length {
            let a = UnsafeRawPointer(left + offset).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(right + offset).loadUnaligned(as: SIMD8<Float>.self)
            lanes += a * b
            offset += 8
        }
        var total = lanes.sum()
        while offset < length {
            total += left[offset] * right[offset]
            offset += 1
        }
        return total
    }
}
