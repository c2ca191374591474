import Foundation
@testable import JesterCore

/// Files of the repository, found from this source file's path.
enum Repository {
    /// The package root: three levels above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }

    /// The first `count` lines of a file, line ends included.
    static func bytes(_ relativePath: String, lines count: Int) throws -> [UInt8] {
        let content = try bytes(relativePath)
        var seen = 0
        guard let end = content.firstIndex(where: { byte in
            if byte == 0x0A { seen += 1 }
            return seen == count
        }) else { return content }
        return Array(content[...end])
    }

    /// The lines of a file with their line ends removed, without the empty piece after a
    /// final newline.
    ///
    /// Splits bytes rather than characters: to `String`, CR LF is one character.
    static func lines(_ relativePath: String) throws -> [Substring] {
        let content = try bytes(relativePath)
        var lines = content.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { line in
            let content = line.last == 0x0D ? line.dropLast() : line
            return Substring(String(decoding: content, as: UTF8.self))
        }
    }
}

/// Ratings parsed in one go from a string.
struct ParsedRatings {
    var columns = RatingColumns()
    var rejections: RejectionTally

    init(
        _ bytes: [UInt8],
        knownJokes: JokeIDSet? = nil,
        source: String = "test.dat",
        sampleLimit: Int = 10
    ) {
        rejections = RejectionTally(sampleLimit: sampleLimit)
        RatingsParser(knownJokes: knownJokes).parse(
            bytes,
            source: source,
            into: &columns,
            rejections: &rejections
        )
    }

    init(
        _ text: String,
        knownJokes: JokeIDSet? = nil,
        source: String = "test.dat",
        sampleLimit: Int = 10
    ) {
        self.init(
            Array(text.utf8),
            knownJokes: knownJokes,
            source: source,
            sampleLimit: sampleLimit
        )
    }
}

extension RatingColumns {
    /// Columns from `(user, joke, value)` triples, in order.
    init(_ triples: [(Int32, Int32, Float)]) {
        self.init()
        for (user, joke, value) in triples {
            append(user: user, joke: joke, value: value)
        }
    }

    /// The entries of a rating set turned back into original ids.
    init(_ entries: [RatingEntry], of ratings: RatingSet) {
        self.init()
        reserveCapacity(entries.count)
        for entry in entries {
            append(
                user: ratings.users.ids[Int(entry.user)],
                joke: ratings.jokes.ids[Int(entry.joke)],
                value: entry.value
            )
        }
    }
}

/// The ratings of a file, read by a slow, string-based parser independent of the library:
/// every line must be `user joke rating` separated by blanks.
struct SlowRating: Equatable {
    var user: Int32
    var joke: Int32
    var token: Substring
    var value: Double

    static func parseFile(_ relativePath: String) throws -> [SlowRating] {
        try Repository.lines(relativePath).map { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 3,
                  let user = Int32(fields[0]),
                  let joke = Int32(fields[1]),
                  let value = Double(fields[2])
            else { throw SlowParseError(line: String(line)) }
            return SlowRating(user: user, joke: joke, token: fields[2], value: value)
        }
    }
}

struct SlowParseError: Error {
    var line: String
}

/// The ids of the jokes in a jokes file, read from its `N:` header lines alone.
func jokeHeaderIDs(_ relativePath: String) throws -> [Int32] {
    try Repository.lines(relativePath).compactMap { line in
        guard line.hasSuffix(":") else { return nil }
        return Int32(line.dropLast())
    }
}

/// A small rating set built from a formula: every user rates every joke but a few.
func syntheticRatings(
    users: ClosedRange<Int32>,
    jokes: ClosedRange<Int32>,
    extraJokes: [Int32] = []
) -> RatingSet {
    var columns = RatingColumns()
    for user in users {
        for joke in jokes where (user + joke) % 7 != 0 {
            let value = Float((user * 7 + joke * 3) % 21 - 10)
            columns.append(user: user, joke: joke, value: value)
        }
    }
    return RatingSet(columns, extraJokes: extraJokes)
}
