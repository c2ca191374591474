/// One `key = value` setting of a configuration file.
public struct ConfigurationEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    /// The 1-based line it was read from.
    public var line: Int

    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// A configuration file line that cannot be used, with the file and line it came from.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the line.
    public enum Problem: Equatable, Sendable {
        /// The line is neither blank, a comment nor `key = value`.
        case missingEquals
        case emptyKey
        /// The key does not start with a lowercase letter, or holds something other than
        /// lowercase letters, digits and `-`.
        case malformedKey(String)
        case emptyValue(key: String)
        /// The line is not valid UTF-8.
        case notUTF8
        /// The line holds a control character other than a tab.
        case controlCharacter
        /// The key was already set on an earlier line of the same file.
        case repeatedKey(String, firstLine: Int)
        /// The key is well formed but names no setting.
        case unknownKey(String)
        /// The setting exists but the value is not one it takes; `reason` says what it takes.
        case badValue(key: String, reason: String)
    }

    public var path: String
    public var line: Int
    public var problem: Problem

    public init(path: String, line: Int, problem: Problem) {
        self.path = path
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let reason: String = switch problem {
        case .missingEquals: "expected \"key = value\", a comment starting with # or a blank line"
        case .emptyKey: "no key before ="
        case .malformedKey(let key):
            "key \(ConfigurationFile.quoted(key)) "
                + "must be a lowercase letter, then letters, digits and -"
        case .emptyValue(let key): "\(key) has no value after ="
        case .notUTF8: "the line is not valid UTF-8"
        case .controlCharacter: "the line holds a control character"
        case .repeatedKey(let key, let firstLine): "\(key) is already set on line \(firstLine)"
        case .unknownKey(let key): "unknown key \(ConfigurationFile.quoted(key))"
        case .badValue(let key, let reason): "\(key) \(reason)"
        }
        return "\(path):\(line): \(reason)"
    }
}

/// The syntax of jesterd's configuration file: `key = value` lines, `#` comments, blank lines.
///
/// Blanks around the key and the value are dropped; the value is the rest of the line, so it
/// may hold blanks and `#` (only a line whose first non-blank byte is `#` is a comment).
/// LF or CRLF line ends and a UTF-8 byte order mark are accepted. Pure: it is handed the
/// bytes, and which keys exist and what values they take is for the caller to decide.
public enum ConfigurationFile {
    /// Parses a whole file.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - path: The file's name, used only in error descriptions.
    /// - Returns: The settings in file order.
    /// - Throws: ``ConfigurationError`` for the first line that is not blank, a comment or a
    ///   well-formed setting, or that repeats a key.
    public static func parse(
        _ bytes: [UInt8],
        path: String
    ) throws(ConfigurationError) -> [ConfigurationEntry] {
        var entries: [ConfigurationEntry] = []
        var firstLines: [String: Int] = [:]
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var number = 0
        while start < bytes.count {
            number += 1
            var end = bytes[start...].firstIndex(of: ByteCode.lineFeed) ?? bytes.count
            let next = end + 1
            if end > start, bytes[end - 1] == ByteCode.carriageReturn { end -= 1 }
            let line = bytes[start..<end]
            start = next

            guard let entry = try entry(line, number: number, path: path) else { continue }
            if let first = firstLines[entry.key] {
                throw ConfigurationError(
                    path: path,
                    line: number,
                    problem: .repeatedKey(entry.key, firstLine: first)
                )
            }
            firstLines[entry.key] = number
            entries.append(entry)
        }
        return entries
    }

    private static func entry(
        _ line: ArraySlice<UInt8>,
        number: Int,
        path: String
    ) throws(ConfigurationError) -> ConfigurationEntry? {
        func failure(_ problem: ConfigurationError.Problem) -> ConfigurationError {
            ConfigurationError(path: path, line: number, problem: problem)
        }
        guard let text = String(validating: line, as: UTF8.self) else { throw failure(.notUTF8) }
        guard !line.contains(where: { $0 < 0x20 && $0 != ByteCode.tab || $0 == 0x7F }) else {
            throw failure(.controlCharacter)
        }

        let trimmed = trimmingBlanks(Substring(text))
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        guard let equals = trimmed.firstIndex(of: "=") else { throw failure(.missingEquals) }

        let key = String(trimmingBlanks(trimmed[..<equals]))
        let value = String(trimmingBlanks(trimmed[trimmed.index(after: equals)...]))
        guard !key.isEmpty else { throw failure(.emptyKey) }
        guard key.utf8.first.map(isLowercaseLetter) == true, key.utf8.allSatisfy(isKeyByte) else {
            throw failure(.malformedKey(key))
        }
        guard !value.isEmpty else { throw failure(.emptyValue(key: key)) }
        return ConfigurationEntry(key: key, value: value, line: number)
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        isLowercaseLetter(byte) || ByteCode.isDigit(byte) || byte == 0x2D
    }

    private static func trimmingBlanks(_ text: Substring) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }) else { return "" }
        let last = text.lastIndex(where: { !isBlank($0) })!
        return text[first...last]
    }

    /// A file's word, made safe to print: printable ASCII only, at most 40 characters, quoted.
    static func quoted(_ word: String) -> String {
        var copy = word
        return copy.withUTF8 { Request.quoted($0) }
    }
}
