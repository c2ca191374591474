/// How replies are written on a connection.
public enum ReplyFormat: String, Sendable, Equatable {
    /// `key=value` fields, free text quoted.
    case text
    /// One JSON object per reply line.
    case json
}

/// A parsed request line.
public enum Request: Equatable, Sendable {
    case predict(user: Int32, joke: Int32)
    case similar(joke: Int32, count: Int)
    case recommend(user: Int32, count: Int)
    case explain(user: Int32, joke: Int32)
    case onboard(count: Int)
    case joke(Int32)
    case status
    case help(verb: String?)
    case version
    case ping
    case quit
    case format(ReplyFormat)
    /// Reread the configuration and retrain on the data directory; for administrators only.
    case reload
    /// Admin: append a rating to the inbox ratings file.
    case rate(user: Int32, joke: Int32, rating: Double)
    /// Admin: start a full retrain and answer when it is done.
    case retrain
    /// Admin: save the state now.
    case snapshot

    /// Whether only an admin peer may send it.
    public var isAdmin: Bool {
        switch self {
        case .rate, .retrain, .snapshot, .reload: true
        default: false
        }
    }
}

/// A request that cannot be answered, with the status code and message of its reply.
public struct RequestError: Error, Equatable, Sendable {
    public var code: ReplyCode
    public var message: String

    public init(_ code: ReplyCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What the protocol knows of a verb: its usage line and one-line summary.
public struct VerbDescription: Sendable {
    public var name: String
    public var usage: String
    public var summary: String
}

extension Request {
    /// The default and the largest `N` of list replies.
    public static let defaultSimilarCount = 3
    public static let defaultRecommendCount = 5
    public static let defaultOnboardCount = 8
    public static let maxListCount = 100

    /// Every verb, in the order `help` lists them.
    public static let verbs: [VerbDescription] = [
        VerbDescription(name: "predict", usage: "predict USER JOKE",
                        summary: "predicted rating of a joke by a user, -10 to 10"),
        VerbDescription(name: "similar", usage: "similar JOKE [N]",
                        summary: "the N jokes (default 3) most like JOKE by the model, with texts"),
        VerbDescription(name: "recommend", usage: "recommend USER [N]",
                        summary: "the N jokes (default 5) the user has not rated with the best predictions"),
        VerbDescription(name: "explain", usage: "explain USER JOKE",
                        summary: "the parts of a prediction and the rated jokes that pull it most"),
        VerbDescription(name: "onboard", usage: "onboard [N]",
                        summary: "the N jokes (default 8) a new user should rate first"),
        VerbDescription(name: "joke", usage: "joke JOKE", summary: "the text of a joke"),
        VerbDescription(name: "status", usage: "status", summary: "model, data and daemon state"),
        VerbDescription(name: "help", usage: "help [VERB]", summary: "the verbs, or one verb's usage"),
        VerbDescription(name: "version", usage: "version", summary: "daemon and protocol version"),
        VerbDescription(name: "ping", usage: "ping", summary: "check that the daemon answers"),
        VerbDescription(name: "quit", usage: "quit", summary: "close the connection"),
        VerbDescription(name: "format", usage: "format text|json", summary: "choose the reply format"),
        VerbDescription(name: "reload", usage: "reload",
                        summary: "admin: reread the configuration and retrain on the data directory"),
        VerbDescription(name: "rate", usage: "rate USER JOKE RATING",
                        summary: "admin: append a rating to the inbox file; answers once it is on disk"),
        VerbDescription(name: "retrain", usage: "retrain",
                        summary: "admin: retrain in full now; answers when the new model is in"),
        VerbDescription(name: "snapshot", usage: "snapshot", summary: "admin: save the state now"),
    ]

    /// Parses one request line, without its line end.
    ///
    /// Words are separated by runs of spaces or tabs; the verb is case-insensitive; ids are
    /// decimal integers from 0 to 2^31 - 1.
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> Result<Request, RequestError> {
        let words = split(line)
        guard let verbWord = words.first else {
            return .failure(RequestError(.badRequest, "empty request; try \"help\""))
        }
        let verb = String(decoding: verbWord, as: UTF8.self).lowercased()
        let arguments = Array(words.dropFirst())
        guard let description = verbs.first(where: { $0.name == verb }) else {
            return .failure(RequestError(.badRequest, "unknown verb \(quoted(verbWord)); try \"help\""))
        }
        return Result { () throws(RequestError) in
            try parse(verb: description, arguments: arguments)
        }
    }

    /// Parses a request held in a string; see ``parse(_:)``.
    public static func parse(_ line: String) -> Result<Request, RequestError> {
        var copy = line
        return copy.withUTF8(parse)
    }

    private static func parse(
        verb: VerbDescription,
        arguments: [UnsafeBufferPointer<UInt8>]
    ) throws(RequestError) -> Request {
        func arity(_ allowed: ClosedRange<Int>) throws(RequestError) {
            guard allowed.contains(arguments.count) else {
                throw RequestError(.badRequest, "usage: \(verb.usage)")
            }
        }
        func id(_ index: Int, _ name: String) throws(RequestError) -> Int32 {
            let word = arguments[index]
            guard let base = word.baseAddress, let value = NumberParsing.parseID(base, start: 0, end: word.count)
            else {
                throw RequestError(.badRequest, "\(name) must be an integer from 0 to 2147483647, not \(quoted(word))")
            }
            return value
        }

        func count(at index: Int, default value: Int) throws(RequestError) -> Int {
            guard arguments.count > index else { return value }
            let word = arguments[index]
            guard let base = word.baseAddress,
                  let requested = NumberParsing.parseID(base, start: 0, end: word.count)
            else {
                let message = "N must be an integer from 1 to \(maxListCount), not \(quoted(word))"
                throw RequestError(.badRequest, message)
            }
            guard requested >= 1, requested <= maxListCount else {
                let message = "N must be from 1 to \(maxListCount), not \(requested)"
                throw RequestError(.outOfRange, message)
            }
            return Int(requested)
        }

        switch verb.name {
        case "predict":
            try arity(2...2)
            return .predict(user: try id(0, "USER"), joke: try id(1, "JOKE"))
        case "similar":
            try arity(1...2)
            let joke = try id(0, "JOKE")
            return .similar(joke: joke, count: try count(at: 1, default: defaultSimilarCount))
        case "recommend":
            try arity(1...2)
            let user = try id(0, "USER")
            return .recommend(user: user, count: try count(at: 1, default: defaultRecommendCount))
        case "explain":
            try arity(2...2)
            return .explain(user: try id(0, "USER"), joke: try id(1, "JOKE"))
        case "onboard":
            try arity(0...1)
            return .onboard(count: try count(at: 0, default: defaultOnboardCount))
        case "joke":
            try arity(1...1)
            return .joke(try id(0, "JOKE"))
        case "status":
            try arity(0...0)
            return .status
        case "help":
            try arity(0...1)
            return .help(verb: arguments.first.map { String(decoding: $0, as: UTF8.self).lowercased() })
        case "version":
            try arity(0...0)
            return .version
        case "ping":
            try arity(0...0)
            return .ping
        case "quit":
            try arity(0...0)
            return .quit
        case "reload":
            try arity(0...0)
            return .reload
        case "rate":
            try arity(3...3)
            let user = try id(0, "USER")
            let joke = try id(1, "JOKE")
            let word = arguments[2]
            switch NumberParsing.parseDecimal(word.baseAddress!, start: 0, end: word.count) {
            case .number(let rating) where rating >= -10 && rating <= 10:
                return .rate(user: user, joke: joke, rating: rating)
            case .number, .nonFinite:
                throw RequestError(.outOfRange, "RATING must be from -10 to 10")
            case .notANumber:
                throw RequestError(.badRequest, "RATING must be a decimal number, not \(quoted(word))")
            }
        case "retrain":
            try arity(0...0)
            return .retrain
        case "snapshot":
            try arity(0...0)
            return .snapshot
        default:
            try arity(1...1)
            guard let format = ReplyFormat(rawValue: String(decoding: arguments[0], as: UTF8.self).lowercased())
            else { throw RequestError(.badRequest, "usage: \(verb.usage)") }
            return .format(format)
        }
    }

    private static func split(_ line: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>] {
        guard let base = line.baseAddress else { return [] }
        var words: [UnsafeBufferPointer<UInt8>] = []
        var index = 0
        while index < line.count {
            while index < line.count, ByteCode.isBlank(line[index]) { index += 1 }
            let start = index
            while index < line.count, !ByteCode.isBlank(line[index]) { index += 1 }
            if index > start { words.append(UnsafeBufferPointer(start: base + start, count: index - start)) }
        }
        return words
    }

    /// A client's word, made safe to echo: printable ASCII only, at most 40 bytes, quoted.
    static func quoted(_ word: UnsafeBufferPointer<UInt8>) -> String {
        var text = "\""
        for byte in word.prefix(40) {
            switch byte {
            case 0x22, 0x5C: text += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7E: text.unicodeScalars.append(UnicodeScalar(byte))
            default: text += "?"
            }
        }
        return text + (word.count > 40 ? "...\"" : "\"")
    }
}
