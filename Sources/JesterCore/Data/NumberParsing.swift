/// Number parsing on raw bytes, shared by the ratings parser and the protocol.
public enum NumberParsing {
    /// The result of reading a decimal number.
    public enum Decimal: Equatable, Sendable {
        case number(Double)
        /// Not a number at all: empty, stray characters, a lone sign or point.
        case notANumber
        /// Spelled as NaN or infinity, or too large for a `Double`.
        case nonFinite
    }

    /// Reads a decimal integer from 0 to `Int32.max`, digits only.
    @inline(__always)
    public static func parseID(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Int32? {
        guard end > start, end - start <= 10 else { return nil }
        var value: Int64 = 0
        var index = start
        while index < end {
            let byte = base[index]
            guard ByteCode.isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte - ByteCode.zero)
            index += 1
        }
        return value <= Int64(Int32.max) ? Int32(value) : nil
    }

    /// Reads an id from a string, as ``parseID(_:start:end:)`` does.
    public static func parseID(_ text: Substring) -> Int32? {
        var copy = String(text)
        return copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return parseID(base, start: 0, end: buffer.count)
        }
    }

    /// Reads a decimal number: an optional sign, digits with an optional point, and an
    /// optional exponent. `nan`, `inf` and `infinity` in any case are reported as non-finite.
    ///
    /// Up to 19 significant digits and exponents within 10^±22 are converted exactly with one
    /// rounding; anything longer goes through the standard library's correctly rounded parser.
    @inline(__always)
    public static func parseDecimal(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Decimal {
        var index = start
        guard index < end else { return .notANumber }
        var negative = false
        if base[index] == 0x2D || base[index] == 0x2B {
            negative = base[index] == 0x2D
            index += 1
        }

        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        while index < end, ByteCode.isDigit(base[index]) {
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(base[index] - ByteCode.zero)
                if mantissa != 0 { digits += 1 }
            } else {
                scale += 1
            }
            sawDigit = true
            index += 1
        }
        if index < end, base[index] == 0x2E {
            index += 1
            while index < end, ByteCode.isDigit(base[index]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(base[index] - ByteCode.zero)
                    if mantissa != 0 { digits += 1 }
                    scale -= 1
                }
                sawDigit = true
                index += 1
            }
        }
        guard sawDigit else { return spelledNonFinite(base, start: start, end: end) }

        if index < end, base[index] | 0x20 == 0x65 {
            index += 1
            var exponentNegative = false
            if index < end, base[index] == 0x2D || base[index] == 0x2B {
                exponentNegative = base[index] == 0x2D
                index += 1
            }
            var exponent = 0
            var sawExponentDigit = false
            while index < end, ByteCode.isDigit(base[index]) {
                exponent = min(exponent * 10 + Int(base[index] - ByteCode.zero), 100_000)
                sawExponentDigit = true
                index += 1
            }
            guard sawExponentDigit else { return .notANumber }
            scale += exponentNegative ? -exponent : exponent
        }
        guard index == end else { return .notANumber }

        let value: Double
        if digits >= 16 || scale < -22 || scale > 22 {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: end - start),
                              as: UTF8.self)
            guard let parsed = Double(text) else { return .notANumber }
            return parsed.isFinite ? .number(parsed) : .nonFinite
        } else if scale < 0 {
            value = Double(mantissa) / powersOfTen[-scale]
        } else {
            value = Double(mantissa) * powersOfTen[scale]
        }
        return .number(negative ? -value : value)
    }

    /// Reads a decimal number from a string, as ``parseDecimal(_:start:end:)`` does.
    public static func parseDecimal(_ text: Substring) -> Decimal {
        var copy = String(text)
        return copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return .notANumber }
            return parseDecimal(base, start: 0, end: buffer.count)
        }
    }

    private static func spelledNonFinite(_ base: UnsafePointer<UInt8>, start: Int, end: Int) -> Decimal {
        var index = start
        if index < end, base[index] == 0x2D || base[index] == 0x2B { index += 1 }
        var word: [UInt8] = []
        while index < end, word.count <= 8 {
            word.append(base[index] | 0x20)
            index += 1
        }
        guard index == end else { return .notANumber }
        switch String(decoding: word, as: UTF8.self) {
        case "nan", "inf", "infinity": return .nonFinite
        default: return .notANumber
        }
    }

    /// `value` rounded to a `Float`, or `nil` when the `Double` sits exactly halfway between
    /// two floats, where rounding twice (decimal to `Double` to `Float`) may differ from
    /// rounding the decimal once; callers then parse the text with `Float(_:)`.
    @inline(__always)
    public static func roundedOnce(_ value: Double) -> Float? {
        let rounded = Float(value)
        let back = Double(rounded)
        guard back != value else { return rounded }
        let neighbour = Double(back < value ? rounded.nextUp : rounded.nextDown)
        return (back + neighbour) / 2 == value ? nil : rounded
    }

    /// Exact powers of ten, 10^0 through 10^22.
    static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
