import CSystemd
import Glibc

/// Log levels, with the syslog priorities they map to.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    /// syslog(3) priority: trace and debug 7 down to critical 2.
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A log field: a dotted lowercase key and its value.
public typealias LogField = (key: String, value: String)

/// Where log events go.
public enum LogDestination: Sendable, Equatable {
    /// One line per event on standard error: `jesterd: level: message key=value ...`.
    case standardError
    /// Native journal entries (sd_journal_sendv(3)) with the priority and structured fields.
    case journal

    /// The journal when standard error is the journal stream systemd named in `JOURNAL_STREAM`
    /// (its `device:inode` matches standard error's), else standard error.
    public static func detect() -> LogDestination {
        guard let stream = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else {
            return .standardError
        }
        var status = stat()
        guard fstat(2, &status) == 0 else { return .standardError }
        return stream == "\(status.st_dev):\(status.st_ino)" ? .journal : .standardError
    }
}

/// Logs events with a level, a short constant message and fields, one write per event.
///
/// On standard error each event is one write(2), so lines from different threads never
/// interleave. In the journal each event is one entry carrying `MESSAGE`, `PRIORITY`,
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC` and one `JESTERD_*` field per
/// log field; an entry the journal refuses is written to standard error instead.
public struct Logger: Sendable {
    public var threshold: LogLevel
    public var identifier: String
    public var destination: LogDestination

    public init(
        identifier: String,
        threshold: LogLevel = .info,
        destination: LogDestination = .standardError
    ) {
        self.identifier = identifier
        self.threshold = threshold
        self.destination = destination
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= threshold }

    /// Logs an event when `level` reaches the threshold; the caller's location is recorded.
    public func log(
        _ level: LogLevel,
        _ message: String,
        _ fields: [LogField] = [],
        file: String = #fileID,
        line: Int = #line,
        function: String = #function
    ) {
        guard isEnabled(level) else { return }
        let text = Self.render(message, fields)
        if destination == .journal {
            let entry = journalEntry(
                level,
                text,
                fields,
                file: file,
                line: line,
                function: function
            )
            if Self.sendToJournal(entry) { return }
        }
        writeToStandardError("\(identifier): \(level.name): \(text)\n")
    }

    /// The journal fields of one event, each `NAME=value`.
    public func journalEntry(
        _ level: LogLevel,
        _ text: String,
        _ fields: [LogField],
        file: String,
        line: Int,
        function: String
    ) -> [String] {
        var entry = [
            "MESSAGE=\(text)",
            "PRIORITY=\(level.syslogPriority)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        for field in fields {
            entry.append("\(Self.journalFieldName(field.key))=\(field.value)")
        }
        return entry
    }

    /// The journal field name of a log field key: `model.version` is `JESTERD_MODEL_VERSION`.
    ///
    /// Letters are upper-cased and every byte that is not a letter or digit becomes `_`,
    /// so the name always starts with `JESTERD_` and is valid for journald.
    public static func journalFieldName(_ key: String) -> String {
        var name = "JESTERD_"
        for byte in key.utf8 {
            switch byte {
            case 0x61...0x7A: name.unicodeScalars.append(UnicodeScalar(byte - 0x20))
            case 0x41...0x5A, 0x30...0x39: name.unicodeScalars.append(UnicodeScalar(byte))
            default: name += "_"
            }
        }
        return name
    }

    /// The message with its fields appended as `key=value`, values quoted when needed.
    static func render(_ message: String, _ fields: [LogField]) -> String {
        var text = message
        for field in fields {
            let bare = !field.value.isEmpty && !field.value.utf8.contains { $0 <= 0x20 || $0 == 0x22 }
            text += " \(field.key)=" + (bare ? field.value : ReplyQuoting.quote(field.value))
        }
        return text
    }

    /// Sends one entry (sd_journal_sendv(3)); reports whether journald took it.
    private static func sendToJournal(_ entry: [String]) -> Bool {
        let buffers = entry.map { field in
            let bytes = Array(field.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(
                byteCount: bytes.count,
                alignment: 1
            )
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        let vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return sd_journal_sendv(vectors, Int32(vectors.count)) >= 0
    }

    private func writeToStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    public func trace(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                      line: Int = #line, function: String = #function) {
        log(.trace, message, fields, file: file, line: line, function: function)
    }
    public func debug(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                      line: Int = #line, function: String = #function) {
        log(.debug, message, fields, file: file, line: line, function: function)
    }
    public func info(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                     line: Int = #line, function: String = #function) {
        log(.info, message, fields, file: file, line: line, function: function)
    }
    public func notice(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                       line: Int = #line, function: String = #function) {
        log(.notice, message, fields, file: file, line: line, function: function)
    }
    public func warning(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                        line: Int = #line, function: String = #function) {
        log(.warning, message, fields, file: file, line: line, function: function)
    }
    public func error(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                      line: Int = #line, function: String = #function) {
        log(.error, message, fields, file: file, line: line, function: function)
    }
    public func critical(_ message: String, _ fields: [LogField] = [], file: String = #fileID,
                         line: Int = #line, function: String = #function) {
        log(.critical, message, fields, file: file, line: line, function: function)
    }
}

enum ReplyQuoting {
    static func quote(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case _ where scalar.value < 0x20: result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
