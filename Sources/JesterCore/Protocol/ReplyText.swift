/// Writing reply fields as text and as JSON, and reading text fields back.
public enum ReplyText {
    /// `value` with exactly `decimals` digits after the point, rounded half away from zero;
    /// never `-0.00`, and `nan` or `inf` spelled out rather than a number.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return String(value) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        var text = value < 0 && units != 0 ? "-" : ""
        text += String(whole)
        if decimals > 0 {
            let fraction = String(units % UInt64(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// `value` with at most `maxDecimals` decimals and no trailing zeros: `0.2`, `60`.
    public static func trimmed(_ value: Double, maxDecimals: Int) -> String {
        var text = fixed(value, decimals: maxDecimals)
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A message on one line: control bytes, newlines included, become spaces.
    static func oneLine(_ message: String) -> String {
        String(String.UnicodeScalarView(message.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
    }

    static func writeText(_ line: ReplyLine, to output: inout [UInt8]) {
        for (index, field) in line.fields.enumerated() {
            if index > 0 { output.append(0x20) }
            output.append(contentsOf: field.key.utf8)
            output.append(0x3D)
            switch field.value {
            case .integer(let value): output.append(contentsOf: String(value).utf8)
            case .number(let value, let decimals): output.append(contentsOf: fixed(value, decimals: decimals).utf8)
            case .decimal(let text): output.append(contentsOf: text.utf8)
            case .word(let word):
                if word.utf8.allSatisfy(isBareWordByte) && !word.isEmpty {
                    output.append(contentsOf: word.utf8)
                } else {
                    writeQuoted(word, to: &output)
                }
            case .text(let text): writeQuoted(text, to: &output)
            }
        }
    }

    static func writeJSON(_ line: ReplyLine, to output: inout [UInt8]) {
        output.append(0x7B)
        for (index, field) in line.fields.enumerated() {
            if index > 0 { output.append(0x2C) }
            output.append(contentsOf: jsonString(field.key).utf8)
            output.append(0x3A)
            switch field.value {
            case .integer(let value): output.append(contentsOf: String(value).utf8)
            case .number(let value, let decimals):
                output.append(contentsOf: (value.isFinite ? fixed(value, decimals: decimals) : "null").utf8)
            case .decimal(let text): output.append(contentsOf: text.utf8)
            case .word(let text), .text(let text): output.append(contentsOf: jsonString(text).utf8)
            }
        }
        output.append(0x7D)
    }

    /// A JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func isBareWordByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C && byte != 0x3D
    }

    /// `"..."` with `\"`, `\\`, `\n`, `\r` and `\t` escaped, other control bytes dropped.
    /// Runs of plain bytes are copied whole: joke texts are long.
    private static func writeQuoted(_ text: String, to output: inout [UInt8]) {
        var text = text
        output.append(0x22)
        text.withUTF8 { bytes in
            var plainStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C && byte != 0x7F { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
                plainStart = index + 1
                switch byte {
                case 0x22, 0x5C:
                    output.append(0x5C)
                    output.append(byte)
                case 0x0A:
                    output.append(0x5C)
                    output.append(0x6E)
                case 0x0D:
                    output.append(0x5C)
                    output.append(0x72)
                case 0x09:
                    output.append(0x5C)
                    output.append(0x74)
                default:
                    break
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...]))
        }
        output.append(0x22)
    }

    /// Reads the `key=value` fields of a text reply line (the part after the code).
    ///
    /// - Returns: The fields in order with quoted values unescaped, or `nil` when the line is
    ///   not a list of fields.
    public static func parseFields(_ payload: Substring) -> [(key: String, value: String)]? {
        var fields: [(key: String, value: String)] = []
        var rest = payload.unicodeScalars[...]
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { return fields }
            guard let equals = rest.firstIndex(of: "="), equals != rest.startIndex else { return nil }
            let key = String(String.UnicodeScalarView(rest[..<equals]))
            guard !key.unicodeScalars.contains(where: { $0 == " " || $0 == "\"" }) else { return nil }
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var closed = false
                while let scalar = rest.first {
                    rest = rest.dropFirst()
                    if scalar == "\"" {
                        closed = true
                        break
                    }
                    if scalar == "\\", let escaped = rest.first {
                        rest = rest.dropFirst()
                        switch escaped {
                        case "n": value += "\n"
                        case "r": value += "\r"
                        case "t": value += "\t"
                        default: value.unicodeScalars.append(escaped)
                        }
                    } else {
                        value.unicodeScalars.append(scalar)
                    }
                }
                guard closed else { return nil }
            } else {
                let end = rest.firstIndex(of: " ") ?? rest.endIndex
                value = String(String.UnicodeScalarView(rest[..<end]))
                rest = rest[end...]
            }
            fields.append((key, value))
        }
    }
}
