import Testing
@testable import JesterCore

/// The ratings parser on the real files, checked against a slow string-based parse.
struct RatingsFileTests {
    @Test func parsesDataset2PrefixAsFloatOfEachToken() throws {
        let path = "data/ratings-ds2-prefix.dat"
        let slow = try SlowRating.parseFile(path)
        #expect(slow.count == 36_385)

        let parsed = ParsedRatings(try Repository.bytes(path), source: path)

        #expect(parsed.rejections.total == 0)
        try #require(parsed.columns.count == slow.count)
        #expect(parsed.columns.users == slow.map(\.user))
        #expect(parsed.columns.jokes == slow.map(\.joke))
        var mismatches: [String] = []
        for (value, rating) in zip(parsed.columns.values, slow) {
            let expected = try #require(Float(rating.token))
            if value.bitPattern != expected.bitPattern { mismatches.append(String(rating.token)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func rejectsSetAsideDataset4LinesForTheirReasons() throws {
        let path = "Tests/Fixtures/ds4-set-aside.dat"
        let known = try jokeHeaderIDs("data/jester_items.dat")
        #expect(known == Array(1...150))
        let knownSet = Set(known)
        let slow = try SlowRating.parseFile(path)

        let inRange = { (rating: SlowRating) in (-10...10).contains(rating.value) }
        let unknown = slow.filter { !knownSet.contains($0.joke) }.count
        let outOfRange = slow.filter { !inRange($0) }.count
        let both = slow.filter { !inRange($0) && !knownSet.contains($0.joke) }.count
        let good = slow.filter { inRange($0) && knownSet.contains($0.joke) }.count
        // The data's own description: 10,650 lines rate jokes 151 to 158, and 534 more lie
        // outside -10...10; a few of the former are out of range too.
        #expect(slow.count == 11_184)
        #expect(unknown == 10_650)
        #expect(outOfRange - both == 534)
        #expect(both > 0)
        #expect(good == 0)

        let parsed = ParsedRatings(
            try Repository.bytes(path),
            knownJokes: JokeIDSet(known),
            source: "ds4-set-aside.dat"
        )

        // The rating is checked before the joke list, so a line with both faults counts as
        // out of range.
        #expect(parsed.rejections.count(of: .unknownJoke) == unknown - both)
        #expect(parsed.rejections.count(of: .ratingOutOfRange) == outOfRange)
        #expect(parsed.rejections.total == slow.count - good)
        #expect(parsed.columns.count == good)
        #expect(parsed.rejections.samples.count == 10)
        #expect(parsed.rejections.samples.allSatisfy { $0.file == "ds4-set-aside.dat" })
    }

    @Test func reportsTheLineNumbersOfSetAsideLines() throws {
        let path = "Tests/Fixtures/ds4-set-aside.dat"
        let slow = try SlowRating.parseFile(path)
        let expectedLines = slow.indices.filter { !(-10...10).contains(slow[$0].value) }
            .map { $0 + 1 }

        // Without a joke list only the out-of-range lines are rejected.
        let parsed = ParsedRatings(try Repository.bytes(path), sampleLimit: 1_000)

        #expect(parsed.rejections.samples.map(\.line) == expectedLines)
        #expect(parsed.rejections.samples.allSatisfy { $0.reason == .ratingOutOfRange })
        #expect(parsed.columns.count == slow.count - expectedLines.count)
    }
}
