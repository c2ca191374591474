/// Why a ratings line was skipped.
public enum RejectionReason: Int, CaseIterable, Sendable, Comparable {
    /// The line does not have exactly three fields: user, joke and rating.
    case fieldCount
    /// The user or joke field is not a decimal integer from 0 to 2^31 - 1.
    case badID
    /// The rating field is not a decimal number.
    case nonNumericRating
    /// The rating field is NaN or infinite.
    case nonFiniteRating
    /// The rating lies outside -10...10.
    case ratingOutOfRange
    /// The joke id is not in the joke list.
    case unknownJoke

    /// The dotted lowercase name used in logs and replies.
    public var name: String {
        switch self {
        case .fieldCount: "field-count"
        case .badID: "bad-id"
        case .nonNumericRating: "non-numeric-rating"
        case .nonFiniteRating: "non-finite-rating"
        case .ratingOutOfRange: "rating-out-of-range"
        case .unknownJoke: "unknown-joke"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One skipped line, as reported to an operator.
public struct RejectedLine: Sendable, Hashable {
    /// The file as the caller named it.
    public var file: String
    /// The 1-based line number in that file.
    public var line: Int
    public var reason: RejectionReason

    public init(file: String, line: Int, reason: RejectionReason) {
        self.file = file
        self.line = line
        self.reason = reason
    }
}

/// Counts of skipped lines by reason, with the first few kept for the log.
///
/// Counting never stops; only the samples are bounded, so a file full of bad lines costs no
/// more memory than a clean one.
public struct RejectionTally: Sendable, Equatable {
    /// How many skipped lines keep their file and line number.
    public let sampleLimit: Int
    public private(set) var samples: [RejectedLine] = []
    private var countsByReason = [Int](repeating: 0, count: RejectionReason.allCases.count)

    public init(sampleLimit: Int = 10) {
        self.sampleLimit = sampleLimit
    }

    /// All skipped lines.
    public var total: Int { countsByReason.reduce(0, +) }

    /// Skipped lines of one reason.
    public func count(of reason: RejectionReason) -> Int { countsByReason[reason.rawValue] }

    /// The reasons seen at least once, with their counts, in a fixed order.
    public var nonZeroCounts: [(reason: RejectionReason, count: Int)] {
        RejectionReason.allCases.compactMap { reason in
            let count = countsByReason[reason.rawValue]
            return count > 0 ? (reason, count) : nil
        }
    }

    /// Counts one skipped line.
    public mutating func record(_ reason: RejectionReason, file: String, line: Int) {
        countsByReason[reason.rawValue] += 1
        if samples.count < sampleLimit {
            samples.append(RejectedLine(file: file, line: line, reason: reason))
        }
    }

    /// Counts lines of one reason without samples, as when restoring saved counts.
    public mutating func add(_ reason: RejectionReason, count: Int) {
        countsByReason[reason.rawValue] += count
    }

    /// Adds another tally's counts, and its samples while there is room.
    public mutating func merge(_ other: RejectionTally) {
        for index in countsByReason.indices {
            countsByReason[index] += other.countsByReason[index]
        }
        samples.append(contentsOf: other.samples.prefix(max(0, sampleLimit - samples.count)))
    }
}
