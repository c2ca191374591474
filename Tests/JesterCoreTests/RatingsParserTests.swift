import Testing
@testable import JesterCore

struct RatingsParserTests {
    @Test(arguments: [
        ("1\t\t2\t\t3.5\n", 1, 2, "3.5"),
        ("1\t2\t3.5\n", 1, 2, "3.5"),
        ("1 2 3.5\n", 1, 2, "3.5"),
        ("1 \t 2\t \t3.5\n", 1, 2, "3.5"),
        ("   1 2 3.5   \n", 1, 2, "3.5"),
        ("\t1\t\t2\t\t3.5\t\n", 1, 2, "3.5"),
        ("1\t\t2\t\t3.5\r\n", 1, 2, "3.5"),
        ("1 2 3.5 \r\n", 1, 2, "3.5"),
        ("1 2 3.5", 1, 2, "3.5"),
        ("1 2 3.5\r", 1, 2, "3.5"),
        ("1 2 1e0\n", 1, 2, "1e0"),
        ("1 2 1E1\n", 1, 2, "1E1"),
        ("1 2 25e-1\n", 1, 2, "25e-1"),
        ("1 2 +5\n", 1, 2, "+5"),
        ("1 2 -0\n", 1, 2, "-0"),
        ("1 2 0\n", 1, 2, "0"),
        ("1 2 10\n", 1, 2, "10"),
        ("1 2 -10\n", 1, 2, "-10"),
        ("1 2 10.000\n", 1, 2, "10.000"),
        ("1 2 -10.0\n", 1, 2, "-10.0"),
        ("1 2 -9.281\n", 1, 2, "-9.281"),
        ("1 2 0.219\n", 1, 2, "0.219"),
        ("0 0 0\n", 0, 0, "0"),
        ("007 08 1\n", 7, 8, "1"),
        ("2147483647 2147483647 1\n", 2_147_483_647, 2_147_483_647, "1"),
    ] as [(String, Int32, Int32, String)])
    func acceptsLine(text: String, user: Int32, joke: Int32, token: String) throws {
        let parsed = ParsedRatings(text)

        #expect(parsed.rejections.total == 0)
        try #require(parsed.columns.count == 1)
        #expect(parsed.columns.users == [user])
        #expect(parsed.columns.jokes == [joke])
        let expected = try #require(Float(token))
        #expect(parsed.columns.values[0].bitPattern == expected.bitPattern)
    }

    @Test func skipsByteOrderMarkAtFileStart() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("1\t\t2\t\t3\n4 5 6\n".utf8)

        let parsed = ParsedRatings(bytes)

        #expect(parsed.rejections.total == 0)
        #expect(parsed.columns == RatingColumns([(1, 2, 3), (4, 5, 6)]))
    }

    @Test func skipsByteOrderMarkAloneOnTheFirstLine() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("\n1 2 3\n".utf8)

        let parsed = ParsedRatings(bytes)

        #expect(parsed.rejections.total == 0)
        #expect(parsed.columns == RatingColumns([(1, 2, 3)]))
    }

    @Test func rejectsByteOrderMarkAfterFileStart() {
        let bytes = Array("1 2 3\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("4 5 6\n7 8 9\n".utf8)

        let parsed = ParsedRatings(bytes)

        #expect(parsed.columns == RatingColumns([(1, 2, 3), (7, 8, 9)]))
        #expect(parsed.rejections.total == 1)
        let expected = RejectedLine(file: "test.dat", line: 2, reason: .badID)
        #expect(parsed.rejections.samples == [expected])
    }

    @Test func readsAByteOrderMarkAsDataAfterTheFileStart() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("1 2 3\n4 5 6\n".utf8)
        var columns = RatingColumns()
        var rejections = RejectionTally()

        let progress = bytes.withUnsafeBufferPointer { buffer in
            RatingsParser().parse(
                buffer,
                source: "later.dat",
                firstLine: 7,
                atFileStart: false,
                endOfInput: true,
                into: &columns,
                rejections: &rejections
            )
        }

        #expect(progress == ParseProgress(consumedBytes: bytes.count, lines: 2))
        #expect(columns == RatingColumns([(4, 5, 6)]))
        #expect(rejections.samples == [RejectedLine(file: "later.dat", line: 7, reason: .badID)])
    }

    @Test func ignoresBlankAndCommentLines() {
        let text = """
            # user joke rating

            1 2 3
              \t
               # an indented comment
            #
            \t#tab then comment
            4 5 6

            """
        let parsed = ParsedRatings(text)

        #expect(parsed.rejections.total == 0)
        #expect(parsed.columns == RatingColumns([(1, 2, 3), (4, 5, 6)]))
    }

    @Test func rejectsCommentAfterFields() {
        let parsed = ParsedRatings("1 2 3 # trailing\n")

        #expect(parsed.columns.count == 0)
        #expect(parsed.rejections.count(of: .fieldCount) == 1)
    }

    @Test func readsMixedLineEndsAndLastLineWithoutNewline() {
        let parsed = ParsedRatings("1 2 3\r\n4 5 6\n\r\n7 8 9\r\n10 11 -1.5")

        #expect(parsed.rejections.total == 0)
        #expect(parsed.columns == RatingColumns([(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, -1.5)]))
    }

    @Test func readsEmptyInput() {
        #expect(ParsedRatings("").columns.count == 0)
        #expect(ParsedRatings("\n\n").rejections.total == 0)
    }

    @Test(arguments: [
        ("1 2", RejectionReason.fieldCount),
        ("1", .fieldCount),
        ("1 2 3 4", .fieldCount),
        ("1\t\t2\t\t3\t\t4", .fieldCount),
        ("x 2 3", .badID),
        ("1 y 3", .badID),
        ("-1 2 3", .badID),
        ("1 -2 3", .badID),
        ("+1 2 3", .badID),
        ("1.0 2 3", .badID),
        ("1 2e0 3", .badID),
        ("2147483648 2 3", .badID),
        ("1 2147483648 3", .badID),
        ("99999999999 2 3", .badID),
        ("1 2 abc", .nonNumericRating),
        ("1 2 1.2.3", .nonNumericRating),
        ("1 2 -", .nonNumericRating),
        ("1 2 +", .nonNumericRating),
        ("1 2 .", .nonNumericRating),
        ("1 2 1e", .nonNumericRating),
        ("1 2 1e+", .nonNumericRating),
        ("1 2 e5", .nonNumericRating),
        ("1 2 0x1", .nonNumericRating),
        ("1 2 5,5", .nonNumericRating),
        ("1 2 --5", .nonNumericRating),
        ("1 2 nanx", .nonNumericRating),
        ("1 2 NaN", .nonFiniteRating),
        ("1 2 nan", .nonFiniteRating),
        ("1 2 -NAN", .nonFiniteRating),
        ("1 2 inf", .nonFiniteRating),
        ("1 2 -Inf", .nonFiniteRating),
        ("1 2 +INF", .nonFiniteRating),
        ("1 2 Infinity", .nonFiniteRating),
        ("1 2 -iNfInItY", .nonFiniteRating),
        ("1 2 1e400", .nonFiniteRating),
        ("1 2 10.01", .ratingOutOfRange),
        ("1 2 -10.5", .ratingOutOfRange),
        ("1 2 1e3", .ratingOutOfRange),
        ("1 2 10.0000001", .ratingOutOfRange),
        ("1 2 -10.001", .ratingOutOfRange),
        ("1 2 11", .ratingOutOfRange),
    ])
    func rejectsLine(line: String, reason: RejectionReason) {
        let parsed = ParsedRatings("5 5 5\n\(line)\n6 6 6\n", source: "bad.dat")

        #expect(parsed.columns == RatingColumns([(5, 5, 5), (6, 6, 6)]))
        #expect(parsed.rejections.total == 1)
        #expect(parsed.rejections.count(of: reason) == 1)
        let expected = RejectedLine(file: "bad.dat", line: 2, reason: reason)
        #expect(parsed.rejections.samples == [expected])
    }

    @Test func rejectsUnknownJokeOnlyWhenJokesAreGiven() {
        let text = "1 1 1\n1 4 2\n1 3 3\n1 0 4\n"
        let known = JokeIDSet([1, 2, 3])

        let open = ParsedRatings(text)
        let checked = ParsedRatings(text, knownJokes: known)

        #expect(open.columns.count == 4)
        #expect(checked.columns == RatingColumns([(1, 1, 1), (1, 3, 3)]))
        #expect(checked.rejections.count(of: .unknownJoke) == 2)
        #expect(checked.rejections.samples.map(\.line) == [2, 4])
    }

    @Test func checksTheRatingBeforeTheJokeList() {
        let parsed = ParsedRatings("1 99 11\n1 99 nan\nx 99 1\n", knownJokes: JokeIDSet([1]))

        #expect(parsed.rejections.count(of: .ratingOutOfRange) == 1)
        #expect(parsed.rejections.count(of: .nonFiniteRating) == 1)
        #expect(parsed.rejections.count(of: .badID) == 1)
        #expect(parsed.rejections.count(of: .unknownJoke) == 0)
    }

    @Test func countsEveryReasonAndKeepsGoodLinesAroundBadOnes() {
        // Each bad kind appears a different number of times, between good lines.
        let badLines: [(String, RejectionReason, Int)] = [
            ("1 2", .fieldCount, 1),
            ("x 2 3", .badID, 2),
            ("1 2 abc", .nonNumericRating, 3),
            ("1 2 inf", .nonFiniteRating, 4),
            ("1 2 10.5", .ratingOutOfRange, 5),
            ("1 99 1", .unknownJoke, 6),
        ]
        var text = ""
        var expected: [(Int32, Int32, Float)] = []
        var expectedLines: [RejectedLine] = []
        var lineNumber = 0
        func addGood() {
            let user = Int32(lineNumber + 100)
            let value = Float(lineNumber % 21 - 10)
            text += "\(user)\t\t\(lineNumber % 9 + 1)\t\t\(Int(value))\n"
            expected.append((user, Int32(lineNumber % 9 + 1), value))
            lineNumber += 1
        }
        addGood()
        for (line, reason, repeats) in badLines {
            for _ in 0..<repeats {
                text += line + "\n"
                lineNumber += 1
                let rejected = RejectedLine(file: "mixed.dat", line: lineNumber, reason: reason)
                expectedLines.append(rejected)
                addGood()
            }
        }

        let parsed = ParsedRatings(
            text,
            knownJokes: JokeIDSet(1...10),
            source: "mixed.dat",
            sampleLimit: 100
        )

        #expect(parsed.columns == RatingColumns(expected))
        for (_, reason, repeats) in badLines {
            #expect(parsed.rejections.count(of: reason) == repeats, "\(reason.name)")
        }
        #expect(parsed.rejections.total == 21)
        #expect(parsed.rejections.samples == expectedLines)
        #expect(parsed.rejections.nonZeroCounts.map(\.reason) == RejectionReason.allCases)
    }

    @Test func keepsOnlyTheFirstSamplesButCountsAll() {
        let text = String(repeating: "1 2\n", count: 25)

        let parsed = ParsedRatings(text, source: "many.dat", sampleLimit: 3)

        #expect(parsed.rejections.count(of: .fieldCount) == 25)
        #expect(parsed.rejections.samples.map(\.line) == [1, 2, 3])
        #expect(parsed.rejections.samples.allSatisfy { $0.file == "many.dat" })
        #expect(RejectionTally().sampleLimit == 10)
    }

    @Test func mergesTallies() {
        var first = ParsedRatings("1 2\n1 2\n", source: "a.dat", sampleLimit: 3).rejections
        let second = ParsedRatings("x 1 1\n1 2\n", source: "b.dat").rejections

        first.merge(second)

        #expect(first.count(of: .fieldCount) == 3)
        #expect(first.count(of: .badID) == 1)
        #expect(first.total == 4)
        #expect(first.samples.map(\.file) == ["a.dat", "a.dat", "b.dat"])
        #expect(first.samples.map(\.line) == [1, 2, 1])
    }

    @Test(arguments: ["1.00000661611557", "1.0000000596046448", "-6.99999737739563"])
    func roundsRatingsOnceToTheNearestFloat(token: String) throws {
        // Each token lies just past a midpoint between two Floats, so close to it that the
        // nearest Double is the midpoint itself: rounding to Double first, then to Float,
        // lands on the wrong neighbour.
        let parsed = ParsedRatings("1 2 \(token)\n")

        try #require(parsed.columns.count == 1)
        let expected = try #require(Float(token))
        #expect(parsed.columns.values[0] == expected)
    }

    @Test func leavesPartialLastLineUnconsumed() {
        let bytes = Array("1 2 3\n4 5 6".utf8)
        var columns = RatingColumns()
        var rejections = RejectionTally()

        let progress = bytes.withUnsafeBufferPointer { buffer in
            RatingsParser().parse(
                buffer,
                source: "part.dat",
                firstLine: 1,
                atFileStart: true,
                endOfInput: false,
                into: &columns,
                rejections: &rejections
            )
        }

        #expect(progress == ParseProgress(consumedBytes: 6, lines: 1))
        #expect(columns == RatingColumns([(1, 2, 3)]))
    }

    @Test func countsBlankAndCommentLinesAsConsumed() {
        let bytes = Array("# c\n\n1 2 3\n1 2\n4 5 6".utf8)
        var columns = RatingColumns()
        var rejections = RejectionTally()

        let progress = bytes.withUnsafeBufferPointer { buffer in
            RatingsParser().parse(
                buffer,
                source: "x",
                firstLine: 10,
                atFileStart: true,
                endOfInput: true,
                into: &columns,
                rejections: &rejections
            )
        }

        #expect(progress == ParseProgress(consumedBytes: bytes.count, lines: 5))
        #expect(rejections.samples == [RejectedLine(file: "x", line: 13, reason: .fieldCount)])
    }

    /// A small input with every kind of line, a byte order mark and no final newline.
    private static let incrementalInput: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
        "1\t\t2\t\t3.5\r\n"
            + "# comment\n"
            + "\n"
            + "2 3\n"
            + "3  4 -0.25\r\n"
            + "\r\n"
            + "4 99 1\n"
            + "5 6 1e1\n"
            + "6 7 nan\n"
            + "7 8 -10"
    ).utf8)

    @Test func parsesIncrementallyAtEverySplitPoint() throws {
        let input = Self.incrementalInput
        let parser = RatingsParser(knownJokes: JokeIDSet(1...10))
        let whole = ParsedRatings(input, knownJokes: JokeIDSet(1...10), source: "inc.dat")
        #expect(whole.columns.count == 4)
        #expect(whole.rejections.total == 3)

        for split in 0...input.count {
            var columns = RatingColumns()
            var rejections = RejectionTally()
            let first = Self.parse(
                parser,
                Array(input[..<split]),
                firstLine: 1,
                atFileStart: true,
                endOfInput: false,
                &columns,
                &rejections
            )
            let held = input[first.consumedBytes..<split]
            #expect(!held.contains(0x0A), "split \(split)")
            #expect(
                first.consumedBytes == 0 || first.consumedBytes == 3
                    || input[first.consumedBytes - 1] == 0x0A,
                "split \(split)"
            )

            let second = Self.parse(
                parser,
                Array(input[first.consumedBytes...]),
                firstLine: 1 + first.lines,
                atFileStart: first.consumedBytes == 0,
                endOfInput: true,
                &columns,
                &rejections
            )

            #expect(first.consumedBytes + second.consumedBytes == input.count, "split \(split)")
            #expect(first.lines + second.lines == 10, "split \(split)")
            #expect(columns == whole.columns, "split \(split)")
            #expect(rejections == whole.rejections, "split \(split)")
        }
    }

    @Test func parsesIncrementallyAtEveryPairOfSplitPoints() {
        let input = Self.incrementalInput
        let parser = RatingsParser(knownJokes: JokeIDSet(1...10))
        let whole = ParsedRatings(input, knownJokes: JokeIDSet(1...10), source: "inc.dat")

        for firstSplit in 0...input.count {
            for secondSplit in firstSplit...input.count {
                var columns = RatingColumns()
                var rejections = RejectionTally()
                var start = 0
                var line = 1
                for end in [firstSplit, secondSplit, input.count] where end >= start {
                    let progress = Self.parse(
                        parser,
                        Array(input[start..<end]),
                        firstLine: line,
                        atFileStart: start == 0,
                        endOfInput: end == input.count,
                        &columns,
                        &rejections
                    )
                    start += progress.consumedBytes
                    line += progress.lines
                }
                #expect(start == input.count)
                #expect(columns == whole.columns, "splits \(firstSplit), \(secondSplit)")
                #expect(rejections == whole.rejections, "splits \(firstSplit), \(secondSplit)")
            }
        }
    }

    private static func parse(
        _ parser: RatingsParser,
        _ bytes: [UInt8],
        firstLine: Int,
        atFileStart: Bool,
        endOfInput: Bool,
        _ columns: inout RatingColumns,
        _ rejections: inout RejectionTally
    ) -> ParseProgress {
        bytes.withUnsafeBufferPointer { buffer in
            parser.parse(
                buffer,
                source: "inc.dat",
                firstLine: firstLine,
                atFileStart: atFileStart,
                endOfInput: endOfInput,
                into: &columns,
                rejections: &rejections
            )
        }
    }
}
