import Testing
@testable import JesterCore

struct RequestTests {
    private static func parse(bytes: [UInt8]) -> Result<Request, RequestError> {
        bytes.withUnsafeBufferPointer { Request.parse($0) }
    }

    @Test(arguments: [
        ("predict 1 2", Request.predict(user: 1, joke: 2)),
        ("PREDICT 1 2", .predict(user: 1, joke: 2)),
        ("Predict\t10\t\t20", .predict(user: 10, joke: 20)),
        ("  predict   1 2 \t", .predict(user: 1, joke: 2)),
        ("predict 0 2147483647", .predict(user: 0, joke: 2_147_483_647)),
        ("predict 007 08", .predict(user: 7, joke: 8)),
        ("similar 5", .similar(joke: 5, count: 3)),
        ("similar 5 1", .similar(joke: 5, count: 1)),
        ("similar 5 100", .similar(joke: 5, count: 100)),
        ("SiMiLaR\t5\t10", .similar(joke: 5, count: 10)),
        ("joke 7", .joke(7)),
        ("JOKE 150", .joke(150)),
        ("status", .status),
        ("Status", .status),
        ("help", .help(verb: nil)),
        ("help predict", .help(verb: "predict")),
        ("HELP Similar", .help(verb: "similar")),
        ("help nothing", .help(verb: "nothing")),
        ("version", .version),
        ("ping", .ping),
        ("PING", .ping),
        ("quit", .quit),
        ("Quit ", .quit),
        ("format json", .format(.json)),
        ("format TEXT", .format(.text)),
        ("Format\tJson", .format(.json)),
    ])
    func parsesGoodRequests(line: String, expected: Request) {
        #expect(Request.parse(line) == .success(expected))
    }

    @Test(arguments: [
        ("predict", "usage: predict USER JOKE"),
        ("predict 1", "usage: predict USER JOKE"),
        ("predict 1 2 3", "usage: predict USER JOKE"),
        ("similar", "usage: similar JOKE [N]"),
        ("similar 1 2 3", "usage: similar JOKE [N]"),
        ("joke", "usage: joke JOKE"),
        ("joke 1 2", "usage: joke JOKE"),
        ("status now", "usage: status"),
        ("help a b", "usage: help [VERB]"),
        ("version 1", "usage: version"),
        ("ping pong", "usage: ping"),
        ("quit now", "usage: quit"),
        ("format", "usage: format text|json"),
        ("format json text", "usage: format text|json"),
        ("format xml", "usage: format text|json"),
    ])
    func rejectsWrongArity(line: String, message: String) {
        #expect(Request.parse(line) == .failure(RequestError(.badRequest, message)))
    }

    @Test(arguments: [
        ("predict x 2", "USER must be an integer from 0 to 2147483647, not \"x\""),
        ("predict 1 -2", "JOKE must be an integer from 0 to 2147483647, not \"-2\""),
        (
            "predict 2147483648 1",
            "USER must be an integer from 0 to 2147483647, not \"2147483648\""
        ),
        ("predict 1.5 1", "USER must be an integer from 0 to 2147483647, not \"1.5\""),
        ("predict +1 1", "USER must be an integer from 0 to 2147483647, not \"+1\""),
        ("similar 1 x", "N must be an integer from 1 to 100, not \"x\""),
        ("similar 1 -1", "N must be an integer from 1 to 100, not \"-1\""),
        ("onboard 99999999999", "N must be an integer from 1 to 100, not \"99999999999\""),
        ("similar abc", "JOKE must be an integer from 0 to 2147483647, not \"abc\""),
        ("joke 1e2", "JOKE must be an integer from 0 to 2147483647, not \"1e2\""),
        ("joke \"1\"", "JOKE must be an integer from 0 to 2147483647, not \"\\\"1\\\"\""),
    ])
    func rejectsBadIDs(line: String, message: String) {
        #expect(Request.parse(line) == .failure(RequestError(.badRequest, message)))
    }

    @Test(arguments: [
        ("similar 2 0", 0), ("similar 2 101", 101), ("similar 2 2147483647", 2_147_483_647),
        ("SIMILAR 2 000", 0),
    ])
    func rejectsListLengthsOutOfRange(line: String, count: Int) {
        let expected = RequestError(.outOfRange, "N must be from 1 to 100, not \(count)")

        #expect(Request.parse(line) == .failure(expected))
        #expect(ReplyCode.outOfRange.rawValue == 422)
    }

    @Test(arguments: ["", " ", "\t", "  \t  "])
    func rejectsEmptyRequests(line: String) {
        let expected = RequestError(.badRequest, "empty request; try \"help\"")

        #expect(Request.parse(line) == .failure(expected))
        #expect(ReplyCode.badRequest.rawValue == 400)
    }

    @Test(arguments: [
        ("frobnicate", "unknown verb \"frobnicate\"; try \"help\""),
        ("Frob 1 2", "unknown verb \"Frob\"; try \"help\""),
        ("pre\"dict\\", "unknown verb \"pre\\\"dict\\\\\"; try \"help\""),
        ("predict1 2", "unknown verb \"predict1\"; try \"help\""),
    ])
    func rejectsUnknownVerbs(line: String, message: String) {
        #expect(Request.parse(line) == .failure(RequestError(.badRequest, message)))
    }

    @Test func replacesBinaryBytesOfUnknownVerbs() throws {
        let bytes: [UInt8] = [0x66, 0x00, 0xFF, 0xC3, 0xA9, 0x7F, 0x1B, 0x6F, 0x20, 0x31]

        let result = Self.parse(bytes: bytes)

        let expected = RequestError(.badRequest, "unknown verb \"f??????o\"; try \"help\"")
        #expect(result == .failure(expected))
    }

    @Test(arguments: [39, 40, 41, 4_000])
    func shortensLongUnknownVerbs(length: Int) throws {
        let word = String(repeating: "w", count: length)

        let result = Request.parse(word + " 1")

        let kept = String(repeating: "w", count: min(40, length))
        let quoted = length > 40 ? "\"\(kept)...\"" : "\"\(kept)\""
        let expected = RequestError(.badRequest, "unknown verb \(quoted); try \"help\"")
        #expect(result == .failure(expected))
    }

    @Test func echoesOnlyPrintableASCII() throws {
        var generator = SeededGenerator(seed: 3)

        for _ in 0..<500 {
            let length = 1 + generator.nextIndex(below: 80)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            guard case .failure(let error) = Self.parse(bytes: bytes) else { continue }
            #expect(error.message.utf8.allSatisfy { (0x20...0x7E).contains($0) })
            #expect(error.message.utf8.count <= 140)
        }
    }

    @Test func listsEveryVerbOnce() {
        let names = Request.verbs.map(\.name)

        let core = [
            "predict", "similar", "joke", "status", "help", "version", "ping", "quit", "format",
        ]
        #expect(core.allSatisfy(names.contains))
        #expect(names.filter(core.contains) == core)
        #expect(Set(names).count == names.count)
        #expect(Request.verbs.allSatisfy { $0.usage.hasPrefix($0.name) && !$0.summary.isEmpty })
        #expect(Request.defaultSimilarCount == 3)
        #expect(Request.maxListCount == 100)
    }
}
