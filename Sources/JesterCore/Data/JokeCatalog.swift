/// A set of joke ids: a bitmap over the ids below 65536, which is every joke id Jester uses
/// and what the parser checks each line against, and a hash set above, so that one huge id
/// in a jokes or retired-jokes file costs a few bytes rather than gigabytes.
public struct JokeIDSet: Sendable, Equatable {
    /// Ids below this are kept in the bitmap.
    public static let bitmapLimit: Int32 = 1 << 16

    private var bits: [Bool] = []
    private var large: Set<Int32> = []

    public init<S: Sequence>(_ ids: S) where S.Element == Int32 {
        for id in ids { insert(id) }
    }

    public mutating func insert(_ id: Int32) {
        guard id >= 0 else { return }
        guard id < Self.bitmapLimit else {
            large.insert(id)
            return
        }
        let index = Int(id)
        if index >= bits.count { bits.append(contentsOf: repeatElement(false, count: index + 1 - bits.count)) }
        bits[index] = true
    }

    @inline(__always)
    public func contains(_ id: Int32) -> Bool {
        if id >= 0 && Int(id) < bits.count { return bits[Int(id)] }
        return id >= Self.bitmapLimit && !large.isEmpty && large.contains(id)
    }

    /// How many ids the set holds.
    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } + large.count }
}

/// Joke texts by joke id, decoded to plain text.
///
/// The file is a sequence of jokes, each introduced by a line holding its id and a colon
/// (`1:`), followed by its text. The text is either the HTML of Jester's `jester_items.dat`
/// (`<p>`, `<br />`, character entities) or plain text in which a blank line separates
/// paragraphs. A line such as `8:00 - Welcome` is text, not a header: the colon must be followed
/// by the end of the line or a blank. Paragraphs in the decoded text are separated by a blank
/// line; a single `<br />` becomes a line break.
public struct JokeCatalog: Sendable, Equatable {
    /// Joke ids in ascending order.
    public private(set) var ids: [Int32] = []
    private var textsByID: [Int32: String] = [:]

    public init() {}

    /// Parses a jokes file held in memory. Bytes that are not UTF-8 are replaced.
    public init(parsing bytes: [UInt8]) {
        var current: (id: Int32, lines: [Substring])?
        let text = String(decoding: bytes, as: UTF8.self)
        var entries: [(Int32, String)] = []

        func finish() {
            guard let joke = current else { return }
            entries.append((joke.id, JokeText.decode(lines: joke.lines)))
        }

        // "\r\n" is one Character in Swift, so split on both line ends explicitly.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for rawLine in lines {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if let header = Self.header(of: line) {
                finish()
                current = (header.id, header.rest.isEmpty ? [] : [header.rest])
            } else {
                current?.lines.append(line)
            }
        }
        finish()

        for (id, text) in entries where !text.isEmpty {
            textsByID[id] = text
        }
        ids = textsByID.keys.sorted()
    }

    /// Builds a catalog from texts that are already plain.
    public init(texts: [Int32: String]) {
        textsByID = texts.filter { !$0.value.isEmpty }
        ids = textsByID.keys.sorted()
    }

    public var count: Int { ids.count }

    public var idSet: JokeIDSet { JokeIDSet(ids) }

    /// The decoded text of a joke, or `nil` when the catalog has none.
    public func text(of id: Int32) -> String? { textsByID[id] }

    private static func header(of line: Substring) -> (id: Int32, rest: Substring)? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let digits = trimmed[..<colon]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let id = NumberParsing.parseID(digits)
        else { return nil }
        let rest = trimmed[trimmed.index(after: colon)...]
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        return (id, rest.drop { $0 == " " || $0 == "\t" })
    }
}
