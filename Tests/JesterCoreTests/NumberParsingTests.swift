import Testing
@testable import JesterCore

struct NumberParsingTests {
    @Test(arguments: [
        "0", "-0", "+0", "5", "+5", "-5", "10", "-10", "0.219", "-9.281", "3.5", "007.50",
        ".5", "5.", "-.25", "1e0", "1E1", "1e-1", "2.5e+1", "-7.5E-0", "0e99",
        "0.1", "0.2", "0.3", "9.999999", "123456789012345", "0.000001",
        "1e22", "1e-22", "1e23", "1e-23", "4.9e-324", "1.7976931348623157e308",
        "3.14159265358979323846", "123456789012345678901234567890",
        "0.1000000000000000055511151231257827",
        "0.000000000000000000000000001", "1e-400", "9007199254740993", "1234567890123456789",
    ])
    func parsesDecimalsAsTheStandardLibraryDoes(text: String) throws {
        let expected = try #require(Double(text))

        let parsed = NumberParsing.parseDecimal(Substring(text))

        guard case .number(let value) = parsed else {
            Issue.record("\(text) gave \(parsed)")
            return
        }
        #expect(value.bitPattern == expected.bitPattern, "\(text)")
    }

    @Test func parsesRandomDecimalsAsTheStandardLibraryDoes() {
        var generator = SeededGenerator(seed: 77)
        var mismatches: [String] = []

        for _ in 0..<20_000 {
            let text = Self.randomDecimal(&generator)
            guard let expected = Double(text) else { continue }
            let parsed = NumberParsing.parseDecimal(Substring(text))
            let matches = expected.isFinite
                ? parsed == .number(expected) : parsed == .nonFinite
            if !matches { mismatches.append(text) }
        }

        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test(arguments: [
        "", "-", "+", ".", "-.", "+.", "e5", ".e5", "1e", "1e+", "1e-", "1.2.3", "abc", "1x",
        " 1", "1 ", "1\t", "--1", "+-1", "0x10", "1,5", "1e5.5", "1ee5", "nan1", "infinit",
        "infinityy", "in", "n", "1_000", "\u{FEFF}1", "١",
    ])
    func rejectsNonNumbers(text: String) {
        #expect(NumberParsing.parseDecimal(Substring(text)) == .notANumber)
    }

    @Test(arguments: [
        "nan", "NaN", "NAN", "-nan", "+NaN", "inf", "Inf", "-inf", "+INF", "infinity", "Infinity",
        "-INFINITY", "iNfInItY", "1e400", "-1e400", "1e99999999999", "99e308",
    ])
    func reportsNonFiniteSpellingsAndOverflow(text: String) {
        #expect(NumberParsing.parseDecimal(Substring(text)) == .nonFinite)
    }

    @Test func readsOnlyTheGivenRange() {
        var bytes = Array("x-12.5e1y".utf8)

        let parsed = bytes.withUnsafeMutableBufferPointer { buffer in
            NumberParsing.parseDecimal(UnsafePointer(buffer.baseAddress!), start: 1, end: 8)
        }
        let empty = bytes.withUnsafeMutableBufferPointer { buffer in
            NumberParsing.parseDecimal(UnsafePointer(buffer.baseAddress!), start: 3, end: 3)
        }

        #expect(parsed == .number(-125))
        #expect(empty == .notANumber)
    }

    @Test(arguments: [
        ("0", 0), ("7", 7), ("007", 7), ("42", 42), ("0000000001", 1),
        ("2147483647", 2_147_483_647), ("2147483646", 2_147_483_646),
        ("1000000000", 1_000_000_000),
    ] as [(String, Int32)])
    func parsesIDs(text: String, expected: Int32) {
        #expect(NumberParsing.parseID(Substring(text)) == expected)
    }

    @Test(arguments: [
        "", "-1", "+1", "-0", "1.0", "1e2", " 1", "1 ", "1a", "a1", "2147483648", "4294967296",
        "4294967297", "9999999999", "99999999999", "12345678901234567890", "١٢",
    ])
    func rejectsBadIDs(text: String) {
        #expect(NumberParsing.parseID(Substring(text)) == nil)
    }

    @Test func readsIDsFromTheGivenRange() {
        var bytes = Array("a123b".utf8)

        let id = bytes.withUnsafeMutableBufferPointer { buffer in
            NumberParsing.parseID(UnsafePointer(buffer.baseAddress!), start: 1, end: 4)
        }

        #expect(id == 123)
    }

    /// A decimal of 1 to 25 digits with an optional sign, point and exponent.
    private static func randomDecimal(_ generator: inout SeededGenerator) -> String {
        var text = ["", "-", "+"][generator.nextIndex(below: 3)]
        let digits = 1 + generator.nextIndex(below: 25)
        let point = generator.nextIndex(below: digits + 2)
        for position in 0..<digits {
            if position == point { text += "." }
            // Leading zeros now and then.
            let digit = position == 0 && generator.nextIndex(below: 4) == 0
                ? 0 : generator.nextIndex(below: 10)
            text += String(digit)
        }
        if generator.nextIndex(below: 3) == 0 {
            text += ["e", "E"][generator.nextIndex(below: 2)]
            text += ["", "-", "+"][generator.nextIndex(below: 3)]
            text += String(generator.nextIndex(below: 40))
        }
        return text
    }
}
