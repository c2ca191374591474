/// One rating as a user's list keeps it.
public struct JokeRating: Sendable, Equatable {
    public var joke: Int32
    public var value: Float

    public init(joke: Int32, value: Float) {
        self.joke = joke
        self.value = value
    }
}

/// The rating store as it changes while jesterd runs: every user's ratings, sorted by joke,
/// and per-joke totals, with cheap copies for snapshots.
///
/// A later rating of the same joke by the same user replaces the earlier one.
public struct LiveRatings: Sendable {
    public private(set) var users: IDDirectory
    public private(set) var jokes: IDDirectory
    public private(set) var byUser: PagedArray<[JokeRating]>
    public private(set) var jokeCounts: [Int32]
    public private(set) var jokeSums: [Double]
    public private(set) var count: Int
    private var sum: Double
    /// The raters of every joke with at most ``smallJokeLimit`` ratings, by user index.
    public private(set) var smallJokeRaters: [Int: [(user: Int32, value: Float)]] = [:]
    public let smallJokeLimit: Int

    public init(_ ratings: RatingSet, smallJokeLimit: Int = 500) {
        self.smallJokeLimit = smallJokeLimit
        users = IDDirectory(ratings.users)
        jokes = IDDirectory(ratings.jokes)
        byUser = PagedArray((0..<ratings.users.count).lazy.map { user in
            ratings.entries(ofUser: user).map { JokeRating(joke: $0.joke, value: $0.value) }
        })
        jokeCounts = ratings.jokeCounts
        jokeSums = ratings.jokeSums
        count = ratings.count
        sum = ratings.globalMean * Double(ratings.count)
        for joke in 0..<ratings.jokes.count where ratings.jokeCounts[joke] <= smallJokeLimit {
            smallJokeRaters[joke] = []
        }
        if !smallJokeRaters.isEmpty {
            let isSmall = (0..<ratings.jokes.count).map { smallJokeRaters[$0] != nil }
            for entry in ratings.entries where isSmall[Int(entry.joke)] {
                smallJokeRaters[Int(entry.joke)]!.append((entry.user, entry.value))
            }
        }
    }

    public var globalMean: Double { count > 0 ? sum / Double(count) : 0 }

    /// Writes the store: both directories, then every user's ratings.
    func write(to writer: inout ByteWriter) {
        users.write(to: &writer)
        jokes.write(to: &writer)
        writer.write(UInt64(smallJokeLimit))
        var starts: [Int32] = [0]
        var jokeIndexes: [Int32] = []
        var values: [Float] = []
        jokeIndexes.reserveCapacity(count)
        values.reserveCapacity(count)
        starts.reserveCapacity(byUser.count + 1)
        for list in byUser {
            for rating in list {
                jokeIndexes.append(rating.joke)
                values.append(rating.value)
            }
            starts.append(Int32(jokeIndexes.count))
        }
        writer.write(array: starts)
        writer.write(array: jokeIndexes)
        writer.write(array: values)
    }

    /// Reads a store written by ``write(to:)``, recomputing the per-joke totals.
    init(reading reader: inout ByteReader) throws(DecodingError) {
        let users = try IDDirectory(reading: &reader)
        let jokes = try IDDirectory(reading: &reader)
        self.users = users
        self.jokes = jokes
        smallJokeLimit = Int(try reader.read(UInt64.self))
        let starts = try reader.readArray(of: Int32.self)
        let jokeIndexes = try reader.readArray(of: Int32.self)
        let values = try reader.readArray(of: Float.self)
        guard starts.count == users.count + 1, starts.first == 0, Int(starts.last!) == jokeIndexes.count,
              jokeIndexes.count == values.count,
              zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              jokeIndexes.allSatisfy({ $0 >= 0 && Int($0) < jokes.count })
        else { throw .inconsistent("rating lists do not match the directories") }

        byUser = PagedArray((0..<users.count).lazy.map { user in
            (Int(starts[user])..<Int(starts[user + 1])).map { JokeRating(joke: jokeIndexes[$0], value: values[$0]) }
        })
        jokeCounts = [Int32](repeating: 0, count: jokes.count)
        jokeSums = [Double](repeating: 0, count: jokes.count)
        sum = 0
        for (joke, value) in zip(jokeIndexes, values) {
            jokeCounts[Int(joke)] += 1
            jokeSums[Int(joke)] += Double(value)
            sum += Double(value)
        }
        count = values.count
        for joke in 0..<jokes.count where jokeCounts[joke] <= smallJokeLimit {
            smallJokeRaters[joke] = []
        }
        let isSmall = (0..<jokes.count).map { smallJokeRaters[$0] != nil }
        for user in 0..<users.count {
            for position in Int(starts[user])..<Int(starts[user + 1]) where isSmall[Int(jokeIndexes[position])] {
                smallJokeRaters[Int(jokeIndexes[position])]!.append((Int32(user), values[position]))
            }
        }
    }

    /// What ``upsert(userID:jokeID:value:)`` did.
    public struct Change: Sendable, Equatable {
        public var user: Int
        public var joke: Int
        public var isNewUser: Bool
        public var isNewJoke: Bool
        /// The rating it replaced, if any.
        public var previous: Float?
    }

    /// Records a rating, replacing the user's earlier rating of the same joke.
    public mutating func upsert(userID: Int32, jokeID: Int32, value: Float) -> Change {
        let (user, isNewUser) = users.insert(userID)
        let (joke, isNewJoke) = addJoke(jokeID)
        if isNewUser { byUser.append([]) }

        var list = byUser[user]
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].joke < Int32(joke) { low = middle + 1 } else { high = middle }
        }
        var previous: Float?
        if low < list.count, list[low].joke == Int32(joke) {
            previous = list[low].value
            list[low].value = value
            jokeSums[joke] += Double(value - previous!)
            sum += Double(value - previous!)
        } else {
            list.insert(JokeRating(joke: Int32(joke), value: value), at: low)
            jokeCounts[joke] += 1
            jokeSums[joke] += Double(value)
            sum += Double(value)
            count += 1
        }
        byUser[user] = list
        updateSmallJokeRaters(joke: joke, user: user, value: value, replaced: previous != nil)
        return Change(user: user, joke: joke, isNewUser: isNewUser, isNewJoke: isNewJoke, previous: previous)
    }

    /// Gives a joke id an index, for a joke that appears in a reloaded jokes file.
    @discardableResult
    public mutating func addJoke(_ id: Int32) -> (index: Int, isNew: Bool) {
        let result = jokes.insert(id)
        if result.isNew {
            jokeCounts.append(0)
            jokeSums.append(0)
            smallJokeRaters[result.index] = []
        }
        return result
    }

    private mutating func updateSmallJokeRaters(joke: Int, user: Int, value: Float, replaced: Bool) {
        guard var raters = smallJokeRaters[joke] else { return }
        if jokeCounts[joke] > smallJokeLimit {
            smallJokeRaters[joke] = nil
            return
        }
        if replaced, let position = raters.firstIndex(where: { $0.user == Int32(user) }) {
            raters[position].value = value
        } else {
            raters.append((Int32(user), value))
        }
        smallJokeRaters[joke] = raters
    }

    /// The rating a user gave a joke, by indexes.
    public func rating(user: Int, joke: Int) -> Float? {
        guard user < byUser.count else { return nil }
        let list = byUser[user]
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].joke < Int32(joke) { low = middle + 1 } else { high = middle }
        }
        return low < list.count && list[low].joke == Int32(joke) ? list[low].value : nil
    }
}
