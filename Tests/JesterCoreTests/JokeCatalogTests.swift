import Foundation
import Testing
@testable import JesterCore

struct JokeCatalogTests {
    private static func realCatalog() throws -> JokeCatalog {
        JokeCatalog(parsing: try Repository.bytes("data/jester_items.dat"))
    }

    private static func catalog(_ text: String) -> JokeCatalog {
        JokeCatalog(parsing: Array(text.utf8))
    }

    /// A huge id is held without a bitmap reaching up to it.
    @Test func aJokeIDSetHoldsHugeIDsCheaply() {
        let ids: [Int32] = [5, 65_535, 65_536, 2_000_000_000, Int32.max, -3]
        let set = JokeIDSet(ids)
        for id in ids where id >= 0 { #expect(set.contains(id)) }
        for id: Int32 in [-3, 0, 6, 65_537, 1_999_999_999] { #expect(!set.contains(id)) }
        #expect(set.count == 5)
        #expect(set == JokeIDSet(ids.reversed()))
        #expect(set != JokeIDSet([5, 65_535, 65_536, 2_000_000_000]))
    }

    @Test func readsAllJokesOfTheRealFile() throws {
        let catalog = try Self.realCatalog()

        #expect(catalog.count == 150)
        #expect(catalog.ids == Array(1...150))
        #expect(catalog.ids.allSatisfy { catalog.text(of: $0)?.isEmpty == false })
        #expect(catalog.text(of: 0) == nil)
        #expect(catalog.text(of: 151) == nil)
        #expect(catalog.idSet == JokeIDSet(1...150))
    }

    @Test func decodesTheDoctorJoke() throws {
        let text = try #require(try Self.realCatalog().text(of: 1))

        #expect(text.hasPrefix("A man visits the doctor."))
        #expect(text.contains("\"I have bad news for you."))
        #expect(text.contains("Alzheimer's"))
        let expected = "A man visits the doctor. The doctor says, \"I have bad news for you. "
            + "You have cancer and Alzheimer's disease\".\n\n"
            + "The man replies, \"Well, thank God I don't have cancer!\""
        #expect(text == expected)
        #expect(text.components(separatedBy: "\n\n").count == 2)
    }

    @Test func decodesTheWillieNelsonJoke() throws {
        let text = try #require(try Self.realCatalog().text(of: 3))

        #expect(text.contains("Willie Nelson"))
        #expect(text == "Q. What's 200 feet long and has 4 teeth?\n\n"
            + "A. The front row at a Willie Nelson concert.")
    }

    @Test func leavesNoMarkupInAnyJoke() throws {
        let catalog = try Self.realCatalog()

        for id in catalog.ids {
            let text = try #require(catalog.text(of: id))
            for leftover in ["<", ">", "&quot;", "&#039;", "&#", "\r", "\n\n\n"] {
                #expect(!text.contains(leftover), "joke \(id) holds \(leftover.debugDescription)")
            }
            #expect(text == text.trimmingCharacters(in: .whitespacesAndNewlines), "joke \(id)")
            #expect(!text.contains("  "), "joke \(id)")
        }
    }

    @Test func keepsTheWordsOfEveryJoke() throws {
        // An independent decoding: drop the tags, decode the two entities the file uses.
        let lines = try Repository.lines("data/jester_items.dat")
        var rawByID: [Int32: String] = [:]
        var current: Int32?
        for line in lines {
            if line.hasSuffix(":"), let id = Int32(line.dropLast()) {
                current = id
                rawByID[id] = ""
            } else if let current {
                rawByID[current, default: ""] += line + "\n"
            }
        }
        let catalog = try Self.realCatalog()
        #expect(rawByID.count == 150)

        for (id, raw) in rawByID {
            let words = raw
                .replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
                .replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&#039;", with: "'")
                .split(whereSeparator: \.isWhitespace)
            let decoded = try #require(catalog.text(of: id))
            #expect(decoded.split(whereSeparator: \.isWhitespace) == words, "joke \(id)")
        }
    }

    @Test func readsClockTimesInsideAJokeAsText() throws {
        let catalog = try Self.realCatalog()
        let text = try #require(catalog.text(of: 146))

        #expect(text.hasPrefix("America:\n\n8:00 - Welcome to work!\n12:00 - Lunch break\n"))
        #expect(text.contains("\n\nJapan:\n\n8:00 - Are you already at work?\n"))
        #expect(text.hasSuffix("\n16:00 - Is anyone at work?"))
        #expect(catalog.text(of: 8)?.contains("Welcome to work") == false)
        #expect(catalog.text(of: 147)?.hasPrefix("It was the day of the big sale.") == true)
    }

    @Test func readsPlainText() {
        let catalog = Self.catalog("""
            1:
            First line
            continued   here

            Second para
            2: inline text
            3:
            8:00 - Welcome to work!
            10:text is not a header
            """)

        #expect(catalog.ids == [1, 2, 3])
        #expect(catalog.text(of: 1) == "First line\ncontinued here\n\nSecond para")
        #expect(catalog.text(of: 2) == "inline text")
        #expect(catalog.text(of: 3) == "8:00 - Welcome to work!\n10:text is not a header")
    }

    @Test func readsPlainTextWithCarriageReturns() {
        let catalog = Self.catalog("1:\r\nFirst\r\n\r\n\r\nSecond\r\n2:\r\nOther\r\n")

        #expect(catalog.ids == [1, 2])
        #expect(catalog.text(of: 1) == "First\n\nSecond")
        #expect(catalog.text(of: 2) == "Other")
    }

    @Test func readsPlainLinesEndingInCarriageReturnsAfterPlainHeaders() {
        // Headers end in LF alone and text lines in CR LF, as in Jester's own file.
        let catalog = Self.catalog("1:\nFirst line\r\nsecond line\r\n\r\nNew para\r\n\n2:\nx\n")

        #expect(catalog.text(of: 1) == "First line\nsecond line\n\nNew para")
        #expect(catalog.text(of: 2) == "x")
    }

    @Test func readsHTMLWithCarriageReturnsEverywhere() {
        let catalog = Self.catalog(
            "1:\r\n<p>\r\nHello<br />\r\n<br />\r\nthere\r\n</p>\r\n\r\n"
                + "146:\r\n<p>\r\nAmerica:<br />\r\n<br />\r\n8:00 - Welcome to work!<br />\r\n"
                + "12:00 - Lunch break\r\n</p>\r\n"
        )

        #expect(catalog.ids == [1, 146])
        #expect(catalog.text(of: 1) == "Hello\n\nthere")
        let expected = "America:\n\n8:00 - Welcome to work!\n12:00 - Lunch break"
        #expect(catalog.text(of: 146) == expected)
    }

    @Test func skipsJokesWithoutText() {
        let catalog = Self.catalog("1:\n\n2:\nsomething\n3:\n   \n")

        #expect(catalog.ids == [2])
        #expect(catalog.text(of: 1) == nil)
    }

    @Test(arguments: [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("1 &lt; 2", "1 < 2"),
        ("&#65;&#x41;&#X42;", "AAB"),
        ("&quot;Hi&quot; &apos;there&apos;", "\"Hi\" 'there'"),
        ("caf&eacute; &hellip;", "caf\u{E9} \u{2026}"),
        ("a&nbsp;b", "a b"),
        ("A & B &unknown; &", "A & B &unknown; &"),
        ("x &lt;b&gt; y", "x <b> y"),
    ])
    func decodesEntitiesInPlainText(line: String, expected: String) {
        #expect(Self.catalog("7:\n\(line)\n").text(of: 7) == expected)
    }

    @Test(arguments: [
        ("<p>Tom &amp; Jerry</p>", "Tom & Jerry"),
        ("<p>1 &lt; 2 &gt; 0</p>", "1 < 2 > 0"),
        ("<p>&#65;&#x41;</p>", "AA"),
        ("<p>x &lt;b&gt; y</p>", "x <b> y"),
        ("<p>one<br />two</p>", "one\ntwo"),
        ("<p>one<br /><br />two</p>", "one\n\ntwo"),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("<P>one<BR>two</P>", "one\ntwo"),
        ("<p><b>bold</b> text</p>", "bold text"),
    ])
    func decodesHTML(html: String, expected: String) {
        #expect(Self.catalog("7:\n\(html)\n").text(of: 7) == expected)
    }

    @Test func buildsFromPlainTexts() {
        let catalog = JokeCatalog(texts: [5: "five", 2: "two", 9: ""])

        #expect(catalog.ids == [2, 5])
        #expect(catalog.text(of: 5) == "five")
        #expect(catalog.text(of: 9) == nil)
        #expect(JokeCatalog().count == 0)
    }

    @Test func setsJokeIDs() {
        let set = JokeIDSet([3, 0, 200, -1])

        #expect(set.contains(0))
        #expect(set.contains(3))
        #expect(set.contains(200))
        #expect(!set.contains(1))
        #expect(!set.contains(201))
        #expect(!set.contains(-1))
        #expect(!set.contains(Int32.max))
    }
}
