import Glibc
import Testing
@testable import JesterCore

struct MetricsTests {
    private func scored(_ user: Int32, _ joke: Int32, _ actual: Float, _ predicted: Float) -> ScoredRating {
        ScoredRating(user: user, joke: joke, actual: actual, predicted: predicted)
    }

    @Test func errorsMatchHandComputedValues() {
        // Errors 1, -2 and 3: RMSE √(14 / 3), MAE 2, NMAE 0.1.
        let metrics = EvaluationMetrics([scored(0, 0, 1, 2), scored(0, 1, 4, 2), scored(1, 0, -3, 0)])
        #expect(abs(metrics.rmse - (14.0 / 3).squareRoot()) < 1e-12)
        #expect(metrics.mae == 2)
        #expect(metrics.nmae == 0.1)
    }

    @Test func ndcgDiscountsARelevantJokeRankedSecond() throws {
        // Ranked by prediction: joke 1 (rating 2, not relevant), then joke 0 (rating 6).
        let ratings = [scored(0, 0, 6, 1), scored(0, 1, 2, 3)]
        let ndcg = try #require(EvaluationMetrics.ndcg(ratings, depth: 10))
        #expect(abs(ndcg - 1 / log2(3.0)) < 1e-12)
        #expect(EvaluationMetrics.ndcg([scored(0, 0, 4.9, 1)], depth: 10) == nil)
    }

    @Test func precisionCountsRelevantJokesAmongTheFirstFive() throws {
        // Predictions rank jokes 0...5 in order; jokes 1, 3 and 5 are relevant, 5 is sixth.
        var ratings: [ScoredRating] = []
        for joke in 0..<6 {
            let actual: Float = joke % 2 == 1 ? 5 : 4.99
            ratings.append(scored(0, Int32(joke), actual, Float(10 - joke)))
        }
        #expect(try #require(EvaluationMetrics.precision(ratings, depth: 5)) == 0.4)
        #expect(EvaluationMetrics.precision(Array(ratings.prefix(4)), depth: 5) == nil)
    }

    @Test func rankingFiguresAverageOverQualifyingUsers() {
        // User 0 has a perfect ranking; user 1 has no relevant joke and is skipped by nDCG.
        let metrics = EvaluationMetrics([
            scored(0, 0, 8, 9), scored(0, 1, -1, 0),
            scored(1, 0, 1, 2),
        ])
        #expect(metrics.ndcgAt10 == 1)
        #expect(metrics.ndcgUsers == 1)
        #expect(metrics.precisionAt5.isNaN)
        #expect(metrics.precisionUsers == 0)
    }

    @Test func tiesRankByLowerJokeIndex() {
        let ranked = EvaluationMetrics.ranking([scored(0, 3, 0, 1), scored(0, 1, 0, 1), scored(0, 2, 0, 2)])
        #expect(ranked.map(\.joke) == [2, 1, 3])
    }
}
