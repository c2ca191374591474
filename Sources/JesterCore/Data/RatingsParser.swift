/// Ratings as parsed, one entry per good line, in line order.
public struct RatingColumns: Sendable, Equatable {
    public var users: [Int32] = []
    public var jokes: [Int32] = []
    public var values: [Float] = []

    public init() {}

    public var count: Int { users.count }

    public mutating func reserveCapacity(_ capacity: Int) {
        users.reserveCapacity(capacity)
        jokes.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    public mutating func append(user: Int32, joke: Int32, value: Float) {
        users.append(user)
        jokes.append(joke)
        values.append(value)
    }

    public mutating func append(contentsOf other: RatingColumns) {
        users.append(contentsOf: other.users)
        jokes.append(contentsOf: other.jokes)
        values.append(contentsOf: other.values)
    }
}

/// How far a call to ``RatingsParser/parse(_:source:firstLine:atFileStart:endOfInput:into:rejections:)``
/// got.
public struct ParseProgress: Sendable, Equatable {
    /// Bytes consumed: up to and including the last newline, or everything at end of input.
    public var consumedBytes: Int
    /// Lines consumed, good or bad, blank and comment lines included.
    public var lines: Int
}

/// A byte-level parser of ratings files in the Jester Dataset 2 layout.
///
/// A line is `user joke rating`, its fields separated by any run of tabs or spaces (the
/// original files use two tabs). Lines end in LF or CRLF. A UTF-8 byte order mark at the start
/// of a file, blank lines and lines whose first non-blank byte is `#` are ignored. User and joke
/// ids are decimal integers from 0 to 2^31 - 1; ratings are decimal numbers in -10...10, with an
/// optional exponent. Any other line is skipped and counted in a ``RejectionTally``.
public struct RatingsParser: Sendable {
    /// Jokes that ratings may name; `nil` accepts any joke id.
    public var knownJokes: JokeIDSet?

    public init(knownJokes: JokeIDSet? = nil) {
        self.knownJokes = knownJokes
    }

    /// Parses a whole file or string held in memory.
    public func parse(
        _ bytes: [UInt8],
        source: String,
        into columns: inout RatingColumns,
        rejections: inout RejectionTally
    ) {
        bytes.withUnsafeBufferPointer { buffer in
            _ = parse(
                buffer,
                source: source,
                firstLine: 1,
                atFileStart: true,
                endOfInput: true,
                into: &columns,
                rejections: &rejections
            )
        }
    }

    /// Parses every complete line of `bytes`.
    ///
    /// - Parameters:
    ///   - source: The file name used in rejection reports.
    ///   - firstLine: The line number of the first byte of `bytes`.
    ///   - atFileStart: Whether `bytes` begins the file, so that a byte order mark is skipped.
    ///   - endOfInput: Whether a last line without a newline is complete. When `false`, that
    ///     partial line is left unconsumed for the caller to hand back with more bytes.
    /// - Returns: How many bytes and lines were consumed.
    public func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        source: String,
        firstLine: Int,
        atFileStart: Bool,
        endOfInput: Bool,
        into columns: inout RatingColumns,
        rejections: inout RejectionTally
    ) -> ParseProgress {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return ParseProgress(consumedBytes: 0, lines: 0)
        }
        let end = bytes.count
        var position = 0
        var lineNumber = firstLine

        if atFileStart, end >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            position = 3
        }

        let powers = NumberParsing.powersOfTen
        while position < end {
            // Most lines are plain `digits blanks digits blanks decimal`: read those in one pass
            // and leave everything else to the general line parser below.
            if let line = Self.readPlainLine(base, from: position, end: end, endOfInput: endOfInput,
                                             powers: powers),
               knownJokes?.contains(line.joke) ?? true {
                columns.append(user: line.user, joke: line.joke, value: line.value)
                position = line.next
                lineNumber += 1
                continue
            }

            guard let lineEnd = Self.findNewline(base, from: position, end: end) ?? (endOfInput ? end : nil)
            else { break }
            var contentEnd = lineEnd
            if contentEnd > position, base[contentEnd - 1] == ByteCode.carriageReturn {
                contentEnd -= 1
            }

            let outcome = parseLine(base, start: position, end: contentEnd)
            switch outcome {
            case .ignored:
                break
            case .rating(let user, let joke, let value):
                columns.append(user: user, joke: joke, value: value)
            case .rejected(let reason):
                rejections.record(reason, file: source, line: lineNumber)
            }

            position = min(lineEnd + 1, end)
            lineNumber += 1
        }
        // A byte order mark alone is not consumed: it stays with the line it starts.
        let lines = lineNumber - firstLine
        return ParseProgress(consumedBytes: lines == 0 ? 0 : position, lines: lines)
    }

    /// Reads one line of the common form, or returns `nil` for anything else: more than nine
    /// id digits, a rating with an exponent, more than 15 digits or outside -10...10, a comment,
    /// a BOM, a partial last line, or anything malformed.
    @inline(__always)
    private static func readPlainLine(
        _ base: UnsafePointer<UInt8>,
        from start: Int,
        end: Int,
        endOfInput: Bool,
        powers: [Double]
    ) -> (user: Int32, joke: Int32, value: Float, next: Int)? {
        var index = start

        @inline(__always)
        func readID() -> Int32? {
            let first = index
            var value: Int32 = 0
            while index < end, ByteCode.isDigit(base[index]), index - first < 9 {
                value = value &* 10 &+ Int32(base[index] &- ByteCode.zero)
                index += 1
            }
            guard index > first, index == end || !ByteCode.isDigit(base[index]) else { return nil }
            return value
        }

        @inline(__always)
        func skipBlanks() -> Bool {
            let first = index
            while index < end, ByteCode.isBlank(base[index]) { index += 1 }
            return index > first
        }

        guard let user = readID(), skipBlanks(), let joke = readID(), skipBlanks(), index < end
        else { return nil }

        let negative = base[index] == 0x2D
        if negative { index += 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var decimals = 0
        while index < end, ByteCode.isDigit(base[index]) {
            mantissa = mantissa &* 10 &+ Int64(base[index] &- ByteCode.zero)
            digits += 1
            index += 1
        }
        if index < end, base[index] == 0x2E {
            index += 1
            while index < end, ByteCode.isDigit(base[index]) {
                mantissa = mantissa &* 10 &+ Int64(base[index] &- ByteCode.zero)
                digits += 1
                decimals += 1
                index += 1
            }
        }
        guard digits > 0, digits <= 15 else { return nil }

        _ = skipBlanks()
        if index < end, base[index] == ByteCode.carriageReturn { index += 1 }
        if index < end {
            guard base[index] == ByteCode.lineFeed else { return nil }
            index += 1
        } else if !endOfInput {
            return nil
        }

        let magnitude = Double(mantissa) / powers[decimals]
        guard magnitude <= 10, let value = NumberParsing.roundedOnce(magnitude) else { return nil }
        return (user, joke, negative ? -value : value, index)
    }

    private enum LineOutcome {
        case ignored
        case rating(user: Int32, joke: Int32, value: Float)
        case rejected(RejectionReason)
    }

    @inline(__always)
    private static func findNewline(_ base: UnsafePointer<UInt8>, from start: Int, end: Int) -> Int? {
        var index = start
        while index < end {
            if base[index] == ByteCode.lineFeed { return index }
            index += 1
        }
        return nil
    }

    @inline(__always)
    private func parseLine(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> LineOutcome {
        // Split into at most three fields; a fourth only counts as a field-count error.
        var fieldStarts = (0, 0, 0)
        var fieldEnds = (0, 0, 0)
        var fieldCount = 0
        var index = start
        while index < end {
            while index < end, ByteCode.isBlank(base[index]) { index += 1 }
            guard index < end else { break }
            if fieldCount == 0, base[index] == ByteCode.hash { return .ignored }
            let fieldStart = index
            while index < end, !ByteCode.isBlank(base[index]) { index += 1 }
            switch fieldCount {
            case 0: fieldStarts.0 = fieldStart; fieldEnds.0 = index
            case 1: fieldStarts.1 = fieldStart; fieldEnds.1 = index
            case 2: fieldStarts.2 = fieldStart; fieldEnds.2 = index
            default: return .rejected(.fieldCount)
            }
            fieldCount += 1
        }
        if fieldCount == 0 { return .ignored }
        guard fieldCount == 3 else { return .rejected(.fieldCount) }

        guard let user = NumberParsing.parseID(base, start: fieldStarts.0, end: fieldEnds.0),
              let joke = NumberParsing.parseID(base, start: fieldStarts.1, end: fieldEnds.1)
        else { return .rejected(.badID) }

        let value: Double
        switch NumberParsing.parseDecimal(base, start: fieldStarts.2, end: fieldEnds.2) {
        case .number(let number): value = number
        case .notANumber: return .rejected(.nonNumericRating)
        case .nonFinite: return .rejected(.nonFiniteRating)
        }
        guard value.isFinite else { return .rejected(.nonFiniteRating) }
        guard value >= -10, value <= 10 else { return .rejected(.ratingOutOfRange) }
        if let knownJokes, !knownJokes.contains(joke) { return .rejected(.unknownJoke) }
        let field = UnsafeBufferPointer(start: base + fieldStarts.2, count: fieldEnds.2 - fieldStarts.2)
        let text = String(decoding: field, as: UTF8.self)
        let rounded = NumberParsing.roundedOnce(value) ?? Float(text) ?? Float(value)
        return .rating(user: user, joke: joke, value: rounded)
    }
}

/// The bytes the parsers look for.
enum ByteCode {
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let tab: UInt8 = 0x09
    static let space: UInt8 = 0x20
    static let hash: UInt8 = 0x23
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }
}
