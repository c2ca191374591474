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

/// Writes one line per event to standard error: `jesterd: level: message key=value ...`.
///
/// Each event is one write(2), so lines from different threads never interleave.
public struct Logger: Sendable {
    public var threshold: LogLevel
    public var identifier: String

    public init(identifier: String, threshold: LogLevel = .info) {
        self.identifier = identifier
        self.threshold = threshold
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= threshold }

    public func log(_ level: LogLevel, _ message: String, _ fields: [LogField] = []) {
        guard isEnabled(level) else { return }
        var line = "\(identifier): \(level.name): \(message)"
        for field in fields {
            let bare = !field.value.isEmpty && !field.value.utf8.contains { $0 <= 0x20 || $0 == 0x22 }
            line += " \(field.key)=" + (bare ? field.value : ReplyQuoting.quote(field.value))
        }
        line += "\n"
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

    public func trace(_ message: String, _ fields: [LogField] = []) { log(.trace, message, fields) }
    public func debug(_ message: String, _ fields: [LogField] = []) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [LogField] = []) { log(.info, message, fields) }
    public func notice(_ message: String, _ fields: [LogField] = []) { log(.notice, message, fields) }
    public func warning(_ message: String, _ fields: [LogField] = []) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [LogField] = []) { log(.error, message, fields) }
    public func critical(_ message: String, _ fields: [LogField] = []) { log(.critical, message, fields) }
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
