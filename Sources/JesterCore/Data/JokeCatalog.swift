/// A set of joke ids, as a bitmap over the ids.
public struct JokeIDSet: Sendable, Equatable {
    private var bits: [Bool] = []

    public init<S: Sequence>(_ ids: S) where S.Element == Int32 {
        for id in ids { insert(id) }
    }

    public mutating func insert(_ id: Int32) {
        guard id >= 0 else { return }
        let index = Int(id)
        if index >= bits.count { bits.append(contentsOf: repeatElement(false, count: index + 1 - bits.count)) }
        bits[index] = true
    }

    @inline(__always)
    public func contains(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < bits.count && bits[Int(id)]
    }
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
