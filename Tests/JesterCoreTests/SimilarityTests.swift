import Testing
@testable import JesterCore

/// A model whose joke vectors are given.
private struct VectorModel: RatingModel {
    var vectors: [[Float]]

    var kind: ModelKind { .mf }
    var userCount: Int { 1 }
    var jokeCount: Int { vectors.count }

    func predict(user: Int, joke: Int) -> Float { 0 }

    func similarityVector(joke: Int) -> [Float] { vectors[joke] }
}

struct SimilarityTests {
    @Test(arguments: [
        ([1, 0], [0, 1], 0),
        ([1, 2, 3], [2, 4, 6], 1),
        ([1, -2, 0.5], [-1, 2, -0.5], -1),
        ([3, 4], [4, 3], 24.0 / 25),
        ([0, 0, 0], [1, 2, 3], 0),
        ([1, 2, 3], [0, 0, 0], 0),
        ([0, 0], [0, 0], 0),
        ([2], [-7], -1),
    ] as [([Float], [Float], Float)])
    func computesCosineOfKnownVectors(first: [Float], second: [Float], expected: Float) {
        let cosine = cosineSimilarity(first, second)

        #expect(abs(cosine - expected) < 1e-6)
        #expect(abs(cosineSimilarity(second, first) - cosine) < 1e-6)
    }

    /// Joke 0 is like 1 and 3 equally, then 5, then 2, and opposite to 4; joke 6 is all zeros.
    private static let model = VectorModel(vectors: [
        [1, 0], [1, 0], [0, 1], [2, 0], [-1, 0], [1, 1], [0, 0],
    ])

    private static func index(excluding excluded: Set<Int> = []) -> SimilarityIndex {
        SimilarityIndex(model: model, candidates: (0..<7).map { !excluded.contains($0) })
    }

    @Test func ranksBySimilarityAndBreaksTiesByLowerIndex() {
        let results = Self.index().mostSimilar(to: 0, count: 10)

        #expect(results.map(\.joke) == [1, 3, 5, 2, 6, 4])
        #expect(abs(results[0].score - 1) < 1e-6)
        #expect(abs(results[1].score - 1) < 1e-6)
        #expect(abs(results[2].score - Float(0.5).squareRoot()) < 1e-6)
        #expect(results[3].score == 0)
        #expect(results[4].score == 0)
        #expect(abs(results[5].score + 1) < 1e-6)
        #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
    }

    @Test func neverReturnsTheJokeItself() {
        let index = Self.index()

        for joke in 0..<7 {
            let results = index.mostSimilar(to: joke, count: 100)
            #expect(!results.contains { $0.joke == joke })
            #expect(results.count == 6)
        }
    }

    @Test func returnsOnlyCandidates() {
        let index = Self.index(excluding: [1, 4, 6])

        let results = index.mostSimilar(to: 0, count: 10)

        #expect(results.map(\.joke) == [3, 5, 2])
        // A joke that is not a candidate itself still has neighbours.
        #expect(index.mostSimilar(to: 4, count: 1).map(\.joke) == [2])
    }

    @Test func returnsAtMostCount() {
        let index = Self.index()

        #expect(index.mostSimilar(to: 0, count: 2).map(\.joke) == [1, 3])
        #expect(index.mostSimilar(to: 0, count: 0).isEmpty)
        #expect(index.dimension == 2)
    }

    @Test func agreesWithCosineSimilarity() {
        let index = Self.index()

        for first in 0..<7 {
            for second in 0..<7 {
                let expected = cosineSimilarity(
                    Self.model.vectors[first],
                    Self.model.vectors[second]
                )
                #expect(abs(index.similarity(first, second) - expected) < 1e-6)
            }
        }
    }

    @Test func ranksJokesOfATrainedModel() throws {
        var generator = SeededGenerator(seed: 12)
        let model = FactorModel(
            users: 3,
            jokes: 40,
            factors: 10,
            globalMean: 0,
            initScale: 1,
            generator: &generator
        )
        let candidates = (0..<40).map { $0 % 5 != 0 }

        let results = SimilarityIndex(model: model, candidates: candidates)
            .mostSimilar(to: 7, count: 10)

        let vector = model.similarityVector(joke: 7)
        let expected = (0..<40).filter { $0 != 7 && candidates[$0] }
            .map { ($0, cosineSimilarity(vector, model.similarityVector(joke: $0))) }
            .sorted { $0.1 > $1.1 }
            .prefix(10)
            .map(\.0)
        #expect(results.map(\.joke) == expected)
    }
}
