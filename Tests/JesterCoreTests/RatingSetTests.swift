import Testing
@testable import JesterCore

struct RatingSetTests {
    @Test func indexesIDsInAscendingOrder() {
        let index = IDIndex([30, 10, 20, 10, 30])

        #expect(index.ids == [10, 20, 30])
        #expect(index.count == 3)
        #expect(index.index(of: 10) == 0)
        #expect(index.index(of: 20) == 1)
        #expect(index.index(of: 30) == 2)
        for missing: Int32 in [-5, 0, 9, 11, 15, 29, 31, Int32.max, Int32.min] {
            #expect(index.index(of: missing) == nil, "\(missing)")
        }
    }

    @Test func indexesNothing() {
        let index = IDIndex([])

        #expect(index.count == 0)
        #expect(index.index(of: 0) == nil)
        #expect(index.index(of: 1) == nil)
    }

    @Test(arguments: [0, 1, 2, 3])
    func givesTheSameIndexesWhateverTheInputOrder(seed: UInt64) {
        var ids: [Int32] = (0..<500).map { Int32($0 * 37 % 1_009) } + [5, 5, 700, 2_000_000_000]
        let reference = IDIndex(ids)
        var generator = SeededGenerator(seed: seed)

        generator.shuffle(&ids)
        let shuffled = IDIndex(ids)

        #expect(shuffled == reference)
        #expect(shuffled.ids == Set(ids).sorted())
    }

    @Test(arguments: [1, 3, 16, 17, 1_000, 65_537, 1_000_003] as [Int32])
    func mapsEveryIDWhateverItsSpacing(stride: Int32) {
        // Small spacings take the direct table, large ones the binary search.
        let ids = (0..<2_000).map { 5 + Int32($0) * stride }
        var shuffled = ids
        var generator = SeededGenerator(seed: UInt64(stride))
        generator.shuffle(&shuffled)

        let index = IDIndex(shuffled)

        #expect(index.ids == ids)
        #expect(index == IDIndex(sortedUnique: ids))
        for (position, id) in ids.enumerated() {
            #expect(index.index(of: id) == position)
            if stride > 1 { #expect(index.index(of: id + 1) == nil) }
        }
        #expect(index.index(of: 4) == nil)
        #expect(index.index(of: ids.last! + 1) == nil)
    }

    @Test func mapsSparseIDs() {
        let index = IDIndex([2_000_000_000, 5, Int32.max, 0])

        #expect(index.ids == [0, 5, 2_000_000_000, Int32.max])
        #expect(index.index(of: 0) == 0)
        #expect(index.index(of: 5) == 1)
        #expect(index.index(of: 2_000_000_000) == 2)
        #expect(index.index(of: Int32.max) == 3)
        #expect(index.index(of: 6) == nil)
        #expect(index.index(of: 1_999_999_999) == nil)
        #expect(index.index(of: -1) == nil)
    }

    /// Ratings of users 1000, 7, 42 and 5 over jokes 3, 1, 150 and 2_000_000_000, with gaps.
    private static let distinctTriples: [(Int32, Int32, Float)] = [
        (1_000, 3, 1.5), (7, 150, -2), (42, 1, 9.75), (7, 3, 0.5), (1_000, 2_000_000_000, -10),
        (5, 1, 10), (42, 150, -0.25), (7, 1, 4), (1_000, 1, 3), (5, 2_000_000_000, 2),
    ]

    @Test func groupsEntriesByUserThenJoke() throws {
        let ratings = RatingSet(RatingColumns(Self.distinctTriples))

        #expect(ratings.users.ids == [5, 7, 42, 1_000])
        #expect(ratings.jokes.ids == [1, 3, 150, 2_000_000_000])
        #expect(ratings.count == 10)
        #expect(ratings.replacedCount == 0)
        #expect(ratings.userStarts == [0, 2, 5, 7, 10])
        let pairs = ratings.entries.map { [Int($0.user), Int($0.joke)] }
        #expect(pairs == [[0, 0], [0, 3], [1, 0], [1, 1], [1, 2], [2, 0], [2, 2],
                          [3, 0], [3, 1], [3, 3]])

        for user in 0..<ratings.users.count {
            let slice = ratings.entries(ofUser: user)
            #expect(slice.allSatisfy { Int($0.user) == user })
            #expect(slice.map(\.joke) == slice.map(\.joke).sorted())
        }
    }

    @Test func agreesWithAReferenceOnEveryUserAndJoke() {
        let ratings = RatingSet(RatingColumns(Self.distinctTriples))
        var reference: [[Int32]: Float] = [:]
        for (user, joke, value) in Self.distinctTriples { reference[[user, joke]] = value }

        for (userIndex, user) in ratings.users.ids.enumerated() {
            for (jokeIndex, joke) in ratings.jokes.ids.enumerated() {
                let stored = ratings.rating(user: userIndex, joke: jokeIndex)
                #expect(stored == reference[[user, joke]], "user \(user) joke \(joke)")
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func storesTheSameWhateverTheInputOrder(seed: UInt64) {
        let reference = RatingSet(RatingColumns(Self.distinctTriples))
        var order = (0..<Int32(Self.distinctTriples.count)).map { $0 }
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)

        let shuffled = RatingSet(RatingColumns(order.map { Self.distinctTriples[Int($0)] }))

        #expect(shuffled.users == reference.users)
        #expect(shuffled.jokes == reference.jokes)
        #expect(shuffled.entries == reference.entries)
        #expect(shuffled.userStarts == reference.userStarts)
        #expect(shuffled.jokeCounts == reference.jokeCounts)
    }

    @Test func keepsTheLastOfRepeatedRatings() throws {
        let columns = RatingColumns([
            (1, 5, 2), (2, 5, 3), (1, 5, -4), (1, 6, 1), (1, 5, 7.5), (2, 5, -1),
        ])

        let ratings = RatingSet(columns)

        #expect(ratings.count == 3)
        #expect(ratings.replacedCount == 3)
        let user1 = try #require(ratings.users.index(of: 1))
        let user2 = try #require(ratings.users.index(of: 2))
        let joke5 = try #require(ratings.jokes.index(of: 5))
        let joke6 = try #require(ratings.jokes.index(of: 6))
        #expect(ratings.rating(user: user1, joke: joke5) == 7.5)
        #expect(ratings.rating(user: user1, joke: joke6) == 1)
        #expect(ratings.rating(user: user2, joke: joke5) == -1)
        #expect(ratings.jokeCounts == [2, 1])
        #expect(ratings.jokeSums == [6.5, 1])
        #expect(ratings.globalMean == 7.5 / 3)
    }

    @Test func sumsRatingsPerJoke() {
        let ratings = RatingSet(RatingColumns(Self.distinctTriples))

        // Jokes 1, 3, 150 and 2_000_000_000, summed by hand from the table.
        #expect(ratings.jokeCounts == [4, 2, 2, 2])
        #expect(ratings.jokeSums == [26.75, 2, -2.25, -8])
        #expect(ratings.globalMean == 18.5 / 10)
    }

    @Test func indexesExtraJokesWithoutRatings() throws {
        let ratings = RatingSet(
            RatingColumns([(1, 2, 4), (1, 4, 6)]),
            extraJokes: [3, 4, 150, 1]
        )

        #expect(ratings.jokes.ids == [1, 2, 3, 4, 150])
        #expect(ratings.jokeCounts == [0, 1, 0, 1, 0])
        #expect(ratings.jokeSums == [0, 4, 0, 6, 0])
        #expect(ratings.count == 2)
        #expect(ratings.globalMean == 5)
        let joke150 = try #require(ratings.jokes.index(of: 150))
        #expect(ratings.rating(user: 0, joke: joke150) == nil)
    }

    @Test func storesNothing() {
        let ratings = RatingSet(RatingColumns())

        #expect(ratings.count == 0)
        #expect(ratings.users.count == 0)
        #expect(ratings.userStarts == [0])
        #expect(ratings.globalMean == 0)
    }

    @Test func storesTheRealDataset2Prefix() throws {
        let slow = try SlowRating.parseFile("data/ratings-ds2-prefix.dat")
        var latest: [[Int32]: Float] = [:]
        for rating in slow { latest[[rating.user, rating.joke]] = Float(rating.token) }
        let parsed = ParsedRatings(try Repository.bytes("data/ratings-ds2-prefix.dat"))

        let ratings = RatingSet(parsed.columns)

        #expect(ratings.count == latest.count)
        #expect(ratings.replacedCount == slow.count - latest.count)
        #expect(ratings.users.ids == Set(slow.map(\.user)).sorted())
        #expect(ratings.jokes.ids == Set(slow.map(\.joke)).sorted())
        #expect(Int(ratings.userStarts.last!) == ratings.count)
        for entry in ratings.entries {
            let key = [ratings.users.ids[Int(entry.user)], ratings.jokes.ids[Int(entry.joke)]]
            #expect(latest[key] == entry.value)
        }
        let mean = latest.values.reduce(0.0) { $0 + Double($1) } / Double(latest.count)
        #expect(abs(ratings.globalMean - mean) < 1e-9)
        for (index, count) in ratings.jokeCounts.enumerated() {
            let joke = ratings.jokes.ids[index]
            #expect(Int(count) == latest.keys.filter { $0[1] == joke }.count)
        }
    }
}
