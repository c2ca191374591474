import Foundation
import Testing
@testable import JesterCore

struct ReplyTests {
    private static let awkwardText = "He said \"hi\\there\"\nthen\r\tleft = done \u{E9}\u{1F600}"

    private static let listReply = Reply(.list, lines: [
        ReplyLine([("rank", .integer(1)), ("joke", .integer(7)), ("text", .text(awkwardText))]),
        ReplyLine([("rank", .integer(2)), ("score", .number(-0.5, decimals: 3))]),
        ReplyLine([("count", .integer(2)), ("source", .word("fallback:joke-mean"))]),
    ])

    /// The lines of a rendered reply, split on line feeds only.
    private static func lines(_ rendered: String) -> [Substring] {
        var lines = rendered.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { Substring(String(decoding: $0, as: UTF8.self)) }
        #expect(lines.last == "")
        lines.removeLast()
        return lines
    }

    @Test func marksEveryLineButTheLastAsContinued() {
        for format in [ReplyFormat.text, .json] {
            let lines = Self.lines(Self.listReply.rendered(format))

            #expect(lines.count == 3)
            #expect(lines[0].hasPrefix("201-"))
            #expect(lines[1].hasPrefix("201-"))
            #expect(lines[2].hasPrefix("201 "))
        }
    }

    @Test func writesTextFields() {
        let reply = Reply(.ok, [
            ("user", .integer(-3)),
            ("rating", .number(1.005, decimals: 2)),
            ("kind", .word("mf")),
            ("empty", .word("")),
            ("spaced", .word("a b")),
            ("equals", .word("a=b")),
            ("text", .text("plain")),
        ])

        let expected = "200 user=-3 rating=1.00 kind=mf empty=\"\" spaced=\"a b\" "
            + "equals=\"a=b\" text=\"plain\"\n"
        #expect(reply.rendered(.text) == expected)
    }

    @Test func escapesFreeText() {
        let reply = Reply(.ok, [("text", .text(Self.awkwardText))])

        let rendered = reply.rendered(.text)

        let escaped = #"He said \"hi\\there\"\nthen\r\tleft = done "# + "\u{E9}\u{1F600}"
        #expect(rendered == "200 text=\"" + escaped + "\"\n")
        #expect(rendered.utf8.filter { $0 == 0x0A }.count == 1)
        #expect(!rendered.utf8.contains(0x0D))
    }

    @Test(arguments: [
        ("", #""""#),
        ("\"", #""\"""#),
        ("\u{01}", #""""#),
        ("\nx\\", #""\nx\\""#),
        ("plain words \u{E9}", "\"plain words \u{E9}\""),
        ("a\u{7F}\u{7F}b\t", #""ab\t""#),
    ])
    func quotesTextAtItsEdgesAndInRuns(text: String, quoted: String) {
        #expect(Reply(.ok, [("text", .text(text))]).rendered(.text) == "200 text=" + quoted + "\n")
    }

    @Test func dropsOtherControlBytesFromText() {
        let reply = Reply(.ok, [("text", .text("a\u{01}b\u{7F}c\u{1B}"))])

        #expect(reply.rendered(.text) == "200 text=\"abc\"\n")
    }

    @Test func neverWritesARawLineEndInsideALine() {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<300 {
            let text = Self.randomText(&generator)
            let reply = Reply(.list, lines: [
                ReplyLine([("text", .text(text)), ("word", .word(text))]),
                ReplyLine([("count", .integer(1))]),
            ])
            for format in [ReplyFormat.text, .json] {
                let rendered = reply.rendered(format)
                #expect(rendered.utf8.filter { $0 == 0x0A }.count == 2)
                #expect(!rendered.utf8.contains(0x0D))
                #expect(rendered.utf8.last == 0x0A)
            }
        }
    }

    @Test func writesMessagesOnOneLine() {
        #expect(Reply.message(.ok, "pong").rendered(.text) == "200 pong\n")
        let multiLine = Reply.error(.badRequest, "bad\nthing\r\there")
        #expect(multiLine.rendered(.text) == "400 bad thing  here\n")
        #expect(Reply.message(.ok, "pong").rendered(.json) == "200 {\"message\":\"pong\"}\n")
        #expect(Reply.error(.notFound, "no \"x\"\n").rendered(.json)
            == "404 {\"error\":\"no \\\"x\\\"\\n\"}\n")
        #expect(Reply.message(.bye, "bye", closing: true).closesConnection)
        #expect(!Reply.error(.notFound, "x").closesConnection)
        #expect(Reply.error(.notFound, "x").lines.isEmpty)
    }

    @Test func readsBackWhatItWrote() throws {
        let line = try #require(Self.lines(Self.listReply.rendered(.text)).first)

        let fields = try #require(ReplyText.parseFields(line.dropFirst(4)))

        #expect(fields.map(\.key) == ["rank", "joke", "text"])
        #expect(fields.map(\.value) == ["1", "7", Self.awkwardText])
    }

    @Test func readsBackRandomTexts() throws {
        var generator = SeededGenerator(seed: 6)
        for _ in 0..<500 {
            let text = Self.randomText(&generator)
            let word = Self.randomText(&generator)
            let reply = Reply(.ok, [
                ("a", .text(text)),
                ("b.c", .word(word)),
                ("n", .number(-2.5, decimals: 1)),
            ])

            let line = try #require(Self.lines(reply.rendered(.text)).first)
            let fields = try #require(ReplyText.parseFields(line.dropFirst(4)), "\(line)")

            #expect(fields.map(\.key) == ["a", "b.c", "n"])
            #expect(fields.map(\.value) == [text, word, "-2.5"], "\(line)")
        }
    }

    @Test(arguments: [
        ("", [] as [String]),
        ("a=1", ["a", "1"]),
        ("  a=1   b=\"x y\"  ", ["a", "1", "b", "x y"]),
        ("a= b=2", ["a", "", "b", "2"]),
        ("a=\"\\q\\\\\"", ["a", "q\\"]),
        ("k=v=w", ["k", "v=w"]),
    ])
    func parsesFieldLists(payload: String, expected: [String]) throws {
        let fields = try #require(ReplyText.parseFields(Substring(payload)))

        #expect(fields.flatMap { [$0.key, $0.value] } == expected)
    }

    @Test(arguments: ["a", "=1", "a=1 b", "a=\"open", "a b=1", "\"a\"=1", "a=\"x\\\""])
    func refusesWhatIsNotAFieldList(payload: String) {
        #expect(ReplyText.parseFields(Substring(payload)) == nil)
    }

    @Test func writesValidJSONPerLine() throws {
        let reply = Reply(.list, lines: [
            ReplyLine([
                ("rank", .integer(1)),
                ("text", .text(Self.awkwardText + "\u{01}\u{7F}")),
                ("model.version", .integer(12)),
            ]),
            ReplyLine([
                ("score", .number(0.12345, decimals: 3)),
                ("nan", .number(.nan, decimals: 2)),
            ]),
            ReplyLine([
                ("word", .word("fallback:joke-mean")),
                ("neg", .number(-0.0001, decimals: 2)),
            ]),
            ReplyLine([]),
        ])

        let objects = try Self.lines(reply.rendered(.json)).map { line in
            let payload = Data(line.dropFirst(4).utf8)
            return try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        }

        try #require(objects.count == 4)
        #expect(objects[0]["rank"] as? Int == 1)
        #expect(objects[0]["text"] as? String == Self.awkwardText + "\u{01}\u{7F}")
        #expect(objects[0]["model.version"] as? Int == 12)
        #expect(objects[1]["score"] as? Double == 0.123)
        #expect(objects[1]["nan"] is NSNull)
        #expect(objects[2]["word"] as? String == "fallback:joke-mean")
        #expect(objects[2]["neg"] as? Double == 0)
        #expect(objects[3].isEmpty)
    }

    @Test func writesRandomTextsAsValidJSON() throws {
        var generator = SeededGenerator(seed: 8)
        for _ in 0..<300 {
            var text = Self.randomText(&generator)
            text.unicodeScalars.append(Unicode.Scalar(UInt8(generator.nextIndex(below: 32))))

            let rendered = Reply(.ok, [("text", .text(text))]).rendered(.json)

            let payload = Data(rendered.utf8.dropFirst(4).dropLast())
            let object = try JSONSerialization.jsonObject(with: payload) as? [String: String]
            #expect(object == ["text": text])
        }
    }

    @Test(arguments: [
        (0, 2, "0.00"), (-0.0, 2, "0.00"), (-0.004, 2, "0.00"), (-0.0049, 2, "0.00"),
        (-0.006, 2, "-0.01"), (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (1.5, 0, "2"),
        (2.5, 0, "3"), (-2.5, 0, "-3"), (-0.4, 0, "0"), (3.14159, 3, "3.142"),
        (-1.23456, 4, "-1.2346"), (10, 2, "10.00"), (-10, 2, "-10.00"), (0.999, 2, "1.00"),
        (-0.999, 2, "-1.00"), (1e-9, 3, "0.000"), (-1e-9, 3, "0.000"), (123.456, 1, "123.5"),
        (0.05, 1, "0.1"), (7, 0, "7"), (1_234_567.891, 2, "1234567.89"), (0.1, 4, "0.1000"),
        (.nan, 2, "nan"), (.infinity, 2, "inf"), (-.infinity, 1, "-inf"),
    ] as [(Double, Int, String)])
    func writesFixedDecimals(value: Double, decimals: Int, expected: String) {
        #expect(ReplyText.fixed(value, decimals: decimals) == expected)
    }

    @Test func roundsFixedDecimalsToTheNearestAndNeverWritesMinusZero() throws {
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<5_000 {
            let value = Double(generator.nextSymmetric(10))
                * (generator.nextIndex(below: 4) == 0 ? 0.001 : 1)
            let decimals = generator.nextIndex(below: 5)

            let text = ReplyText.fixed(value, decimals: decimals)

            let parsed = try #require(Double(text))
            #expect(abs(parsed - value) <= 0.5 * pow(10, Double(-decimals)) + 1e-12, "\(value)")
            let fraction = text.split(separator: ".", omittingEmptySubsequences: false)
            #expect(fraction.count == (decimals > 0 ? 2 : 1))
            if decimals > 0 { #expect(fraction[1].count == decimals) }
            #expect(!(text.hasPrefix("-") && parsed == 0), "\(text)")
        }
    }

    @Test func namesReplyCodes() {
        let codes: [(ReplyCode, Int)] = [
            (.ok, 200), (.list, 201), (.bye, 221), (.badRequest, 400), (.notFound, 404),
            (.idleTimeout, 408), (.lineTooLong, 413), (.outOfRange, 422), (.busy, 429),
            (.internalError, 500), (.notReady, 503),
        ]

        for (code, value) in codes {
            #expect(code.rawValue == value)
            #expect(code.isSuccess == (value < 400))
        }
    }

    /// Up to 30 scalars drawn from blanks, quotes, backslashes, line ends, `=`, letters and
    /// a few non-ASCII characters.
    private static func randomText(_ generator: inout SeededGenerator) -> String {
        let alphabet: [Unicode.Scalar] = [
            " ", "\t", "\n", "\r", "\"", "\\", "=", "a", "b", "Z", "0", "9", ":", "-", ".", "n",
            "t", "\u{E9}", "\u{2019}", "\u{1F600}", "\u{A0}",
        ]
        var text = ""
        for _ in 0..<generator.nextIndex(below: 31) {
            text.unicodeScalars.append(alphabet[generator.nextIndex(below: alphabet.count)])
        }
        return text
    }
}
