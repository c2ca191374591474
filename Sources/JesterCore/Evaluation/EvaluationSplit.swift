/// How ratings are divided into training and test ratings for an evaluation.
public enum SplitRule: Sendable, Equatable {
    /// The default seed of the random and per-user splits.
    public static let defaultSeed: UInt64 = 20_261_203

    /// Each rating is held out on its own with probability `fraction`.
    ///
    /// The ratings are visited by user id, then joke id; each draws one number from a
    /// ``SeededGenerator`` seeded with `seed` and is held out when the number falls in the
    /// lowest `fraction` of its range.
    case random(fraction: Double, seed: UInt64)
    /// `count` ratings of every user with at least `minimumRatings` are held out.
    ///
    /// Users are visited by id; for each one that qualifies, `count` of their ratings (in joke
    /// id order) are picked by a partial Fisher-Yates shuffle drawn from one ``SeededGenerator``
    /// seeded with `seed`. Users with fewer ratings keep all of theirs in training.
    case perUser(count: Int, minimumRatings: Int, seed: UInt64)
    /// The given lines are held out: training is the data without the lines equal to one of
    /// them (same user, joke and rating), and the lines are the candidate test ratings.
    case heldOutLines(RatingColumns)

    /// The random 90/10 split with the default seed.
    public static let random = SplitRule.random(fraction: 0.1, seed: defaultSeed)
    /// Three held out for each user with at least ten, with the default seed.
    public static let perUser = SplitRule.perUser(count: 3, minimumRatings: 10, seed: defaultSeed)
}

/// Training ratings and the test ratings a model trained on them is judged by.
///
/// A held-out rating becomes a test rating only when both its user and its joke have a
/// rating in training; the others are dropped and counted. Test entries carry indexes into
/// ``training``.
public struct EvaluationSplit: Sendable {
    public let training: RatingSet
    public let test: [RatingEntry]
    /// Ratings held out, before those of unknown users or jokes were dropped.
    public let heldOutCount: Int

    public var droppedCount: Int { heldOutCount - test.count }

    /// Splits ratings as parsed, one entry per input line.
    ///
    /// For the random and per-user rules the ratings are first made unique per user and joke,
    /// the last line winning, as ``RatingSet`` does.
    public init(_ data: RatingColumns, rule: SplitRule) {
        let trainingColumns: RatingColumns
        let heldOut: RatingColumns
        switch rule {
        case .random(let fraction, let seed):
            (trainingColumns, heldOut) = Self.randomSplit(RatingSet(data), fraction: fraction, seed: seed)
        case .perUser(let count, let minimumRatings, let seed):
            (trainingColumns, heldOut) = Self.perUserSplit(
                RatingSet(data),
                count: count,
                minimumRatings: minimumRatings,
                seed: seed
            )
        case .heldOutLines(let lines):
            heldOut = lines
            trainingColumns = Self.removing(lines, from: data)
        }

        training = RatingSet(trainingColumns)
        var test: [RatingEntry] = []
        test.reserveCapacity(heldOut.count)
        for position in 0..<heldOut.count {
            guard let user = training.users.index(of: heldOut.users[position]),
                  let joke = training.jokes.index(of: heldOut.jokes[position])
            else { continue }
            test.append(RatingEntry(user: Int32(user), joke: Int32(joke), value: heldOut.values[position]))
        }
        self.test = test
        heldOutCount = heldOut.count
    }

    private static func randomSplit(
        _ ratings: RatingSet,
        fraction: Double,
        seed: UInt64
    ) -> (training: RatingColumns, heldOut: RatingColumns) {
        var generator = SeededGenerator(seed: seed)
        let threshold = UInt64(min(max(fraction, 0), 1) * 18_446_744_073_709_551_615.0)
        var training = RatingColumns()
        var heldOut = RatingColumns()
        training.reserveCapacity(ratings.count)
        for entry in ratings.entries {
            if generator.next() < threshold {
                append(entry, of: ratings, to: &heldOut)
            } else {
                append(entry, of: ratings, to: &training)
            }
        }
        return (training, heldOut)
    }

    private static func perUserSplit(
        _ ratings: RatingSet,
        count: Int,
        minimumRatings: Int,
        seed: UInt64
    ) -> (training: RatingColumns, heldOut: RatingColumns) {
        var generator = SeededGenerator(seed: seed)
        var training = RatingColumns()
        var heldOut = RatingColumns()
        training.reserveCapacity(ratings.count)
        for user in 0..<ratings.users.count {
            let entries = Array(ratings.entries(ofUser: user))
            var isHeldOut = [Bool](repeating: false, count: entries.count)
            if entries.count >= max(minimumRatings, count) {
                var positions = Array(entries.indices)
                for pick in 0..<count {
                    let chosen = pick + generator.nextIndex(below: positions.count - pick)
                    positions.swapAt(pick, chosen)
                    isHeldOut[positions[pick]] = true
                }
            }
            for (position, entry) in entries.enumerated() {
                if isHeldOut[position] {
                    append(entry, of: ratings, to: &heldOut)
                } else {
                    append(entry, of: ratings, to: &training)
                }
            }
        }
        return (training, heldOut)
    }

    private static func removing(_ lines: RatingColumns, from data: RatingColumns) -> RatingColumns {
        var removed = Set<LineKey>()
        removed.reserveCapacity(lines.count)
        for position in 0..<lines.count {
            removed.insert(LineKey(lines, position))
        }
        var kept = RatingColumns()
        kept.reserveCapacity(data.count)
        for position in 0..<data.count where !removed.contains(LineKey(data, position)) {
            kept.append(user: data.users[position], joke: data.jokes[position], value: data.values[position])
        }
        return kept
    }

    private static func append(_ entry: RatingEntry, of ratings: RatingSet, to columns: inout RatingColumns) {
        columns.append(
            user: ratings.users.ids[Int(entry.user)],
            joke: ratings.jokes.ids[Int(entry.joke)],
            value: entry.value
        )
    }

    /// A line's user, joke and rating bits.
    private struct LineKey: Hashable {
        var pair: UInt64
        var value: UInt32

        init(_ columns: RatingColumns, _ position: Int) {
            pair = UInt64(UInt32(bitPattern: columns.users[position])) << 32
                | UInt64(UInt32(bitPattern: columns.jokes[position]))
            value = columns.values[position].bitPattern
        }
    }
}
