/// The three-digit status of a reply: 2xx success, 4xx the client's problem, 5xx the server's.
public struct ReplyCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let ok = ReplyCode(rawValue: 200)
    public static let list = ReplyCode(rawValue: 201)
    /// The request was queued and runs after the reply; see ``Reply/requestsReload``.
    public static let accepted = ReplyCode(rawValue: 202)
    public static let bye = ReplyCode(rawValue: 221)
    public static let badRequest = ReplyCode(rawValue: 400)
    /// The peer is not allowed to use the verb.
    public static let forbidden = ReplyCode(rawValue: 403)
    public static let notFound = ReplyCode(rawValue: 404)
    public static let idleTimeout = ReplyCode(rawValue: 408)
    public static let lineTooLong = ReplyCode(rawValue: 413)
    public static let outOfRange = ReplyCode(rawValue: 422)
    public static let busy = ReplyCode(rawValue: 429)
    public static let internalError = ReplyCode(rawValue: 500)
    public static let notReady = ReplyCode(rawValue: 503)

    public var isSuccess: Bool { rawValue < 400 }
}

/// A value of a reply field.
public enum FieldValue: Sendable, Equatable {
    case integer(Int)
    /// A number written with a fixed count of decimals.
    case number(Double, decimals: Int)
    /// A number already written as decimal text, such as `7.5`: bare in text and in JSON.
    case decimal(String)
    /// A short word; quoted in text form only when it holds a blank, quote or control byte.
    case word(String)
    /// Free text, such as a joke's: always quoted in text form, escapes for newlines.
    case text(String)
}

/// One line of a reply: fields, or a plain message for errors.
public struct ReplyLine: Sendable, Equatable {
    public var fields: [(key: String, value: FieldValue)]

    public init(_ fields: [(key: String, value: FieldValue)]) {
        self.fields = fields
    }

    public static func == (lhs: ReplyLine, rhs: ReplyLine) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A whole reply: a status code and one or more lines.
public struct Reply: Sendable, Equatable {
    public var code: ReplyCode
    public var lines: [ReplyLine]
    /// For an error or a one-word reply, its message; `lines` is then empty.
    public var message: String?
    /// Whether the server closes the connection after sending it.
    public var closesConnection = false
    /// Whether the server must queue a reload for the daemon once this reply is decided.
    public var requestsReload = false

    public init(_ code: ReplyCode, lines: [ReplyLine]) {
        self.code = code
        self.lines = lines
    }

    public init(_ code: ReplyCode, _ fields: [(key: String, value: FieldValue)]) {
        self.init(code, lines: [ReplyLine(fields)])
    }

    /// A reply of one plain message, such as `200 pong` or `400 usage: ...`.
    public static func message(_ code: ReplyCode, _ message: String, closing: Bool = false) -> Reply {
        error(code, message, closing: closing)
    }

    public static func error(_ code: ReplyCode, _ message: String, closing: Bool = false) -> Reply {
        var reply = Reply(code, lines: [])
        reply.message = message
        reply.closesConnection = closing
        return reply
    }

    /// Writes the reply: every line `NNN-...` but the last, which is `NNN ...`.
    public func write(to output: inout [UInt8], format: ReplyFormat) {
        let code = String(code.rawValue)
        if let message {
            output.append(contentsOf: code.utf8)
            output.append(0x20)
            switch format {
            case .text: output.append(contentsOf: ReplyText.oneLine(message).utf8)
            case .json:
                let key = self.code.isSuccess ? "message" : "error"
                output.append(contentsOf: "{\"\(key)\":\(ReplyText.jsonString(message))}".utf8)
            }
            output.append(ByteCode.lineFeed)
            return
        }
        let lines = self.lines.isEmpty ? [ReplyLine([])] : self.lines
        for (index, line) in lines.enumerated() {
            output.append(contentsOf: code.utf8)
            output.append(index == lines.count - 1 ? 0x20 : 0x2D)
            switch format {
            case .text: ReplyText.writeText(line, to: &output)
            case .json: ReplyText.writeJSON(line, to: &output)
            }
            output.append(ByteCode.lineFeed)
        }
    }

    /// The reply as a string, for tests and logs.
    public func rendered(_ format: ReplyFormat) -> String {
        var output: [UInt8] = []
        write(to: &output, format: format)
        return String(decoding: output, as: UTF8.self)
    }
}
