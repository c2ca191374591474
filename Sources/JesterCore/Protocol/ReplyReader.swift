/// One line of a reply as a client reads it.
public struct ReceivedLine: Sendable, Equatable {
    public var code: Int
    /// Whether this line ends its reply (`NNN ` rather than `NNN-`).
    public var isLast: Bool
    /// Everything after the code and its separator.
    public var payload: String

    /// Reads `NNN-payload` or `NNN payload`; `nil` when the line is not a reply line.
    public init?(_ line: Substring) {
        let bytes = Array(line.utf8.prefix(4))
        guard bytes.count >= 3, bytes[0...2].allSatisfy(ByteCode.isDigit), bytes[0] != ByteCode.zero
        else { return nil }
        if bytes.count == 3 {
            isLast = true
        } else if bytes[3] == 0x20 || bytes[3] == 0x2D {
            isLast = bytes[3] == 0x20
        } else {
            return nil
        }
        code = Int(bytes[0] - ByteCode.zero) * 100 + Int(bytes[1] - ByteCode.zero) * 10
            + Int(bytes[2] - ByteCode.zero)
        payload = String(line.dropFirst(min(4, bytes.count)))
    }
}

/// Collects reply lines from a byte stream into whole replies.
public struct ReplyReader: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// A line that is not `NNN-...` or `NNN ...`.
        case malformedLine(String)
        /// A reply whose lines do not all carry the same code.
        case mixedCodes
    }

    private var pending: [UInt8] = []
    private var lines: [ReceivedLine] = []

    public init() {}

    /// Adds bytes and returns the replies they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [[ReceivedLine]] {
        pending.append(contentsOf: bytes)
        var replies: [[ReceivedLine]] = []
        while let newline = pending.firstIndex(of: ByteCode.lineFeed) {
            var lineBytes = pending[..<newline]
            if lineBytes.last == ByteCode.carriageReturn { lineBytes = lineBytes.dropLast() }
            let text = String(decoding: lineBytes, as: UTF8.self)
            pending.removeSubrange(...newline)
            guard let line = ReceivedLine(text[...]) else {
                throw .malformedLine(String(text.prefix(80)))
            }
            if let first = lines.first, first.code != line.code { throw .mixedCodes }
            lines.append(line)
            if line.isLast {
                replies.append(lines)
                lines = []
            }
        }
        return replies
    }
}
