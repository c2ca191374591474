import Testing
@testable import JesterCore

struct SplitTests {
    /// 30 users; user u rated jokes 0 ..< 5 + u.
    private var columns: RatingColumns {
        var columns = RatingColumns()
        for user in 0..<30 {
            for joke in 0..<(5 + user) {
                columns.append(user: Int32(100 + user), joke: Int32(joke + 1), value: Float((user + joke) % 21 - 10))
            }
        }
        return columns
    }

    private func keys(_ split: EvaluationSplit) -> [[Int32]] {
        split.test.map { [split.training.users.ids[Int($0.user)], split.training.jokes.ids[Int($0.joke)]] }
    }

    @Test func randomSplitIsDeterministicForASeed() {
        let first = EvaluationSplit(columns, rule: .random(fraction: 0.1, seed: 7))
        let second = EvaluationSplit(columns, rule: .random(fraction: 0.1, seed: 7))
        let other = EvaluationSplit(columns, rule: .random(fraction: 0.1, seed: 8))
        #expect(keys(first) == keys(second))
        #expect(keys(first) != keys(other))
        #expect(first.training.count + first.heldOutCount == columns.count)
        #expect(first.heldOutCount > 30 && first.heldOutCount < 80)
    }

    @Test func perUserSplitHoldsOutThreeOfEveryUserWithTen() {
        let split = EvaluationSplit(columns, rule: .perUser)
        for user in 0..<30 {
            let held = split.test.filter { split.training.users.ids[Int($0.user)] == Int32(100 + user) }.count
            #expect(held == (5 + user >= 10 ? 3 : 0))
        }
        #expect(split.droppedCount == 0)
        #expect(keys(split) == keys(EvaluationSplit(columns, rule: .perUser)))
    }

    @Test func heldOutLinesAreRemovedExactlyAndUnknownUsersDropped() {
        var lines = RatingColumns()
        lines.append(user: 100, joke: 1, value: -10)
        lines.append(user: 100, joke: 2, value: 5)
        lines.append(user: 999, joke: 1, value: 0)
        let split = EvaluationSplit(columns, rule: .heldOutLines(lines))
        // Only the first line equals a data line; the second has another rating.
        #expect(split.training.count == columns.count - 1)
        #expect(split.heldOutCount == 3)
        #expect(split.test.count == 2)
        #expect(split.droppedCount == 1)
    }
}
