/// One rating with dense user and joke indexes, as training reads it.
public struct RatingEntry: Sendable, Equatable {
    public var user: Int32
    public var joke: Int32
    public var value: Float

    public init(user: Int32, joke: Int32, value: Float) {
        self.user = user
        self.joke = joke
        self.value = value
    }
}

/// The rating store: every rating once per user and joke, grouped by user.
///
/// Entries are ordered by user index, then joke index. When the input holds several ratings
/// of the same joke by the same user, the one read last wins.
public struct RatingSet: Sendable {
    public let users: IDIndex
    public let jokes: IDIndex
    /// All entries, grouped by user and ordered by joke within a user.
    public let entries: [RatingEntry]
    /// `userStarts[u] ..< userStarts[u + 1]` are user `u`'s entries; `users.count + 1` values.
    public let userStarts: [Int32]
    /// Ratings per joke index.
    public let jokeCounts: [Int32]
    /// Sum of ratings per joke index.
    public let jokeSums: [Double]
    /// Mean of all ratings; 0 when there are none.
    public let globalMean: Double
    /// Input ratings replaced by a later rating of the same joke by the same user.
    public let replacedCount: Int

    /// Builds the store from parsed ratings.
    ///
    /// - Parameter extraJokes: Joke ids to index even without ratings, such as the catalog's,
    ///   so that every joke with a text has an index.
    public init(_ columns: RatingColumns, extraJokes: [Int32] = []) {
        users = IDIndex(columns.users)
        jokes = IDIndex(columns.jokes + extraJokes)
        let count = columns.count
        var userIndexes = [Int32](repeating: 0, count: count)
        var jokeIndexes = [Int32](repeating: 0, count: count)
        for position in 0..<count {
            userIndexes[position] = Int32(users.index(of: columns.users[position])!)
            jokeIndexes[position] = Int32(jokes.index(of: columns.jokes[position])!)
        }

        // Order by user (a stable counting sort, skipped when the input is already grouped by
        // ascending user, as Jester's files are), then by joke within each user with the input
        // position as tie-breaker, so the last of each run of equal pairs is the latest rating.
        var order = Self.stableOrder(keys: userIndexes, keyCount: users.count)
        Self.sortWithinUsers(&order, userIndexes: userIndexes, jokeIndexes: jokeIndexes)

        var entries: [RatingEntry] = []
        entries.reserveCapacity(count)
        var userStarts = [Int32](repeating: 0, count: users.count + 1)
        var jokeCounts = [Int32](repeating: 0, count: jokes.count)
        var jokeSums = [Double](repeating: 0, count: jokes.count)
        var total = 0.0
        for (rank, position) in order.enumerated() {
            let position = Int(position)
            let next = rank + 1 < order.count ? Int(order[rank + 1]) : -1
            if next >= 0, userIndexes[next] == userIndexes[position],
               jokeIndexes[next] == jokeIndexes[position] {
                continue
            }
            let entry = RatingEntry(
                user: userIndexes[position],
                joke: jokeIndexes[position],
                value: columns.values[position]
            )
            entries.append(entry)
            userStarts[Int(entry.user) + 1] += 1
            jokeCounts[Int(entry.joke)] += 1
            jokeSums[Int(entry.joke)] += Double(entry.value)
            total += Double(entry.value)
        }
        for user in 0..<users.count {
            userStarts[user + 1] += userStarts[user]
        }

        self.entries = entries
        self.userStarts = userStarts
        self.jokeCounts = jokeCounts
        self.jokeSums = jokeSums
        self.globalMean = entries.isEmpty ? 0 : total / Double(entries.count)
        self.replacedCount = count - entries.count
    }

    /// A store over entries that already carry indexes into `users` and `jokes`, grouped by
    /// user and ordered by joke within a user, such as a subset of another store's entries.
    ///
    /// - Important: The entries must be so ordered, with every index in range.
    public init(indexedEntries entries: [RatingEntry], users: IDIndex, jokes: IDIndex) {
        var userStarts = [Int32](repeating: 0, count: users.count + 1)
        var jokeCounts = [Int32](repeating: 0, count: jokes.count)
        var jokeSums = [Double](repeating: 0, count: jokes.count)
        var total = 0.0
        for entry in entries {
            userStarts[Int(entry.user) + 1] += 1
            jokeCounts[Int(entry.joke)] += 1
            jokeSums[Int(entry.joke)] += Double(entry.value)
            total += Double(entry.value)
        }
        for user in 0..<users.count {
            userStarts[user + 1] += userStarts[user]
        }

        self.users = users
        self.jokes = jokes
        self.entries = entries
        self.userStarts = userStarts
        self.jokeCounts = jokeCounts
        self.jokeSums = jokeSums
        self.globalMean = entries.isEmpty ? 0 : total / Double(entries.count)
        self.replacedCount = 0
    }

    public var count: Int { entries.count }

    /// The entries of one user, ordered by joke index.
    public func entries(ofUser user: Int) -> ArraySlice<RatingEntry> {
        entries[Int(userStarts[user])..<Int(userStarts[user + 1])]
    }

    /// The rating a user gave a joke, if any.
    public func rating(user: Int, joke: Int) -> Float? {
        let slice = entries(ofUser: user)
        var low = slice.startIndex
        var high = slice.endIndex
        while low < high {
            let middle = (low + high) / 2
            if Int(slice[middle].joke) < joke { low = middle + 1 } else { high = middle }
        }
        return low < slice.endIndex && Int(slice[low].joke) == joke ? slice[low].value : nil
    }

    /// Positions `0..<keys.count` ordered by key, stable.
    private static func stableOrder(keys: [Int32], keyCount: Int) -> [Int32] {
        var isAscending = true
        for position in keys.indices.dropFirst() where keys[position] < keys[position - 1] {
            isAscending = false
            break
        }
        if isAscending { return Array(0..<Int32(keys.count)) }

        var starts = [Int](repeating: 0, count: keyCount + 1)
        for key in keys { starts[Int(key) + 1] += 1 }
        for key in 0..<keyCount { starts[key + 1] += starts[key] }
        var result = [Int32](repeating: 0, count: keys.count)
        result.withUnsafeMutableBufferPointer { output in
            for position in keys.indices {
                let key = Int(keys[position])
                output[starts[key]] = Int32(position)
                starts[key] += 1
            }
        }
        return result
    }

    /// Sorts each user's run of positions by (joke, position); runs are short, so insertion
    /// sort, and most are already in order.
    private static func sortWithinUsers(_ order: inout [Int32], userIndexes: [Int32], jokeIndexes: [Int32]) {
        order.withUnsafeMutableBufferPointer { order in
            jokeIndexes.withUnsafeBufferPointer { jokes in
                userIndexes.withUnsafeBufferPointer { users in
                    func precedes(_ first: Int32, _ second: Int32) -> Bool {
                        let firstJoke = jokes[Int(first)]
                        let secondJoke = jokes[Int(second)]
                        return firstJoke != secondJoke ? firstJoke < secondJoke : first < second
                    }
                    var runStart = 0
                    while runStart < order.count {
                        let user = users[Int(order[runStart])]
                        var runEnd = runStart + 1
                        var sorted = true
                        while runEnd < order.count, users[Int(order[runEnd])] == user {
                            if sorted, !precedes(order[runEnd - 1], order[runEnd]) { sorted = false }
                            runEnd += 1
                        }
                        if !sorted, runEnd - runStart > 64 {
                            // A long run in disorder: avoid insertion sort's quadratic cost.
                            var run = Array(order[runStart..<runEnd])
                            run.sort(by: precedes)
                            for (offset, position) in run.enumerated() { order[runStart + offset] = position }
                        } else if !sorted {
                            for index in (runStart + 1)..<runEnd {
                                let moving = order[index]
                                var slot = index
                                while slot > runStart, precedes(moving, order[slot - 1]) {
                                    order[slot] = order[slot - 1]
                                    slot -= 1
                                }
                                order[slot] = moving
                            }
                        }
                        runStart = runEnd
                    }
                }
            }
        }
    }
}
