import Testing
@testable import JesterCore

struct LineFramerTests {
    /// Feeds the chunks in order and collects the lines, or the error that stopped it.
    private static func lines(
        of chunks: [[UInt8]],
        maxLineLength: Int = 4096
    ) -> (lines: [String], error: LineFramer.Stop?) {
        var framer = LineFramer(maxLineLength: maxLineLength)
        var lines: [String] = []
        do throws(LineFramer.Stop) {
            for chunk in chunks {
                try framer.feed(chunk) { line in
                    lines.append(String(decoding: line, as: UTF8.self))
                    return true
                }
            }
        } catch {
            return (lines, error)
        }
        return (lines, nil)
    }

    /// Splits `bytes` into chunks ending at the given offsets, and the rest.
    private static func chunks(_ bytes: [UInt8], splitAt offsets: [Int]) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var start = 0
        for offset in offsets + [bytes.count] {
            chunks.append(Array(bytes[start..<offset]))
            start = offset
        }
        return chunks
    }

    private static let requests = Array(
        "ping\r\npredict 1 2\nsimilar\t3 5\r\n\n\r\nstatus\nhelp  predict\r\r\nquit\n".utf8
    )
    private static let expectedLines = [
        "ping", "predict 1 2", "similar\t3 5", "", "", "status", "help  predict\r", "quit",
    ]

    @Test func splitsLinesFedInOneChunk() {
        let result = Self.lines(of: [Self.requests])

        #expect(result.lines == Self.expectedLines)
        #expect(result.error == nil)
    }

    @Test func splitsTheSameAtEverySplitPoint() {
        for split in 0...Self.requests.count {
            let result = Self.lines(of: Self.chunks(Self.requests, splitAt: [split]))

            #expect(result.lines == Self.expectedLines, "split \(split)")
            #expect(result.error == nil)
        }
    }

    @Test func splitsTheSameAtEveryPairOfSplitPoints() {
        for first in 0...Self.requests.count {
            for second in first...Self.requests.count {
                let result = Self.lines(of: Self.chunks(Self.requests, splitAt: [first, second]))

                #expect(result.lines == Self.expectedLines, "splits \(first), \(second)")
            }
        }
    }

    @Test func splitsTheSameAtEveryChunkSize() {
        for size in 1...Self.requests.count {
            let offsets = Array(stride(from: size, to: Self.requests.count, by: size))
            let result = Self.lines(of: Self.chunks(Self.requests, splitAt: offsets))

            #expect(result.lines == Self.expectedLines, "size \(size)")
        }
    }

    @Test func joinsACarriageReturnWithItsLineFeedAcrossChunks() {
        let result = Self.lines(of: [Array("ping\r".utf8), Array("\nquit\r".utf8), [0x0A]])

        #expect(result.lines == ["ping", "quit"])
    }

    @Test func keepsACarriageReturnNotFollowedByALineFeed() {
        let result = Self.lines(of: [Array("a\rb\n".utf8), Array("c\r".utf8), Array("d\n".utf8)])

        #expect(result.lines == ["a\rb", "c\rd"])
    }

    @Test func holdsAnUnfinishedLine() throws {
        var framer = LineFramer()
        var lines: [String] = []

        try framer.feed(Array("ping\nsta".utf8)) { line in
            lines.append(String(decoding: line, as: UTF8.self))
            return true
        }

        #expect(lines == ["ping"])
        #expect(framer.pendingByteCount == 3)
        try framer.feed([]) { _ in true }
        #expect(framer.pendingByteCount == 3)
        try framer.feed(Array("tus\n".utf8)) { line in
            lines.append(String(decoding: line, as: UTF8.self))
            return true
        }
        #expect(lines == ["ping", "status"])
        #expect(framer.pendingByteCount == 0)
    }

    @Test(arguments: [1, 7, 1_000, 4_096, 4_097, 5_000])
    func acceptsALineOfExactlyTheLimit(chunkSize: Int) {
        for ending in ["\n", "\r\n"] {
            let bytes = [UInt8](repeating: 0x61, count: 4_096) + Array(ending.utf8)
            let offsets = Array(stride(from: chunkSize, to: bytes.count, by: chunkSize))

            let result = Self.lines(of: Self.chunks(bytes, splitAt: offsets))

            #expect(result.error == nil)
            #expect(result.lines.map(\.utf8.count) == [4_096])
        }
    }

    @Test(arguments: [1, 7, 1_000, 4_096, 4_097, 5_000])
    func rejectsALineOneByteOverTheLimit(chunkSize: Int) {
        for ending in ["\n", "\r\n"] {
            let bytes = Array("ping\n".utf8) + [UInt8](repeating: 0x61, count: 4_097)
                + Array(ending.utf8) + Array("quit\n".utf8)
            let offsets = Array(stride(from: chunkSize, to: bytes.count, by: chunkSize))

            let result = Self.lines(of: Self.chunks(bytes, splitAt: offsets))

            #expect(result.error == .lineTooLong)
            #expect(result.lines == ["ping"])
        }
    }

    @Test(arguments: [1, 2, 3, 64, 4_096, 4_097])
    func rejectsALineOverTheLimitBeforeItsEnd(chunkSize: Int) {
        // 4,097 bytes that are not a carriage return: the line is too long whatever follows.
        let bytes = [UInt8](repeating: 0x61, count: 4_097)
        let offsets = Array(stride(from: chunkSize, to: bytes.count, by: chunkSize))

        let result = Self.lines(of: Self.chunks(bytes, splitAt: offsets))

        #expect(result.error == .lineTooLong)
    }

    @Test(arguments: [1, 5, 100])
    func neverHoldsMoreThanTheLimitAndOneCarriageReturn(chunkSize: Int) throws {
        var framer = LineFramer()
        var fed = 0

        let stop = #expect(throws: LineFramer.Stop.self) {
            while fed < 100_000 {
                try framer.feed([UInt8](repeating: 0x62, count: chunkSize)) { _ in true }
                fed += chunkSize
                #expect(framer.pendingByteCount <= 4_097)
            }
        }

        #expect(stop == .lineTooLong)
        #expect(fed <= 4_097)
    }

    @Test func waitsForTheLineFeedAfterACarriageReturnAtTheLimit() throws {
        var framer = LineFramer()
        var lines: [Int] = []

        try framer.feed([UInt8](repeating: 0x61, count: 4_096) + [0x0D]) { line in
            lines.append(line.count)
            return true
        }
        #expect(framer.pendingByteCount == 4_097)
        try framer.feed([0x0A]) { line in
            lines.append(line.count)
            return true
        }

        #expect(lines == [4_096])
    }

    @Test func appliesAnyLimitAtEverySplitPoint() {
        let bytes = Array("12345678\n123456789\n".utf8)

        for split in 0...bytes.count {
            let result = Self.lines(of: Self.chunks(bytes, splitAt: [split]), maxLineLength: 8)

            #expect(result.lines == ["12345678"], "split \(split)")
            #expect(result.error == .lineTooLong, "split \(split)")
        }
    }

    @Test func stopsWhenTheHandlerSaysSo() {
        for split in 0...Self.requests.count {
            var framer = LineFramer()
            var lines: [String] = []
            var error: LineFramer.Stop?

            do throws(LineFramer.Stop) {
                for chunk in Self.chunks(Self.requests, splitAt: [split]) {
                    try framer.feed(chunk) { line in
                        lines.append(String(decoding: line, as: UTF8.self))
                        return lines.count < 2
                    }
                }
            } catch let stop {
                error = stop
            }

            #expect(error == .handlerStopped, "split \(split)")
            #expect(lines == ["ping", "predict 1 2"], "split \(split)")
        }
    }
}
