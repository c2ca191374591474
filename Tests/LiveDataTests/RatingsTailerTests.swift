import Glibc
import JesterCore
import JesterSystem
import Testing

/// One line of a ratings file and the rating it should give, if any.
private struct Line {
    var text: String
    var rating: (user: Int32, joke: Int32, value: Float)?

    init(_ text: String, _ rating: (Int32, Int32, Float)? = nil) {
        self.text = text
        self.rating = rating.map { (user: $0.0, joke: $0.1, value: $0.2) }
    }
}

/// The ratings a report holds, as comparable triples.
private func triples(_ columns: RatingColumns) -> [String] {
    (0..<columns.count).map { "\(columns.users[$0]) \(columns.jokes[$0]) \(columns.values[$0])" }
}

/// RatingsTailer on real files in a temporary directory, polled as jesterd polls them.
struct RatingsTailerTests {
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static let lines = [
        Line("1\t\t5\t\t0.219\n", (1, 5, 0.219)),
        Line("1\t\t7\t\t-9.281\r\n", (1, 7, -9.281)),
        Line("# a comment\n"),
        Line("\n"),
        Line("2 8 3.5\n", (2, 8, 3.5)),
        Line("3\t\t9\t\t12\n"),
        Line("4\t\t10\t\t1e0\n", (4, 10, 1)),
        Line("5\t\t11\t\t-10\r\n", (5, 11, -10)),
    ]
    private static let partial = "6\t\t12\t\t7"

    @Test(arguments: [1, 2, 3, 5, 7, 11, 64, 4096])
    func appendsInAnyChunkingLearnExactlyTheCompleteLines(chunkSize: Int) throws {
        let scratch = try Scratch()
        let name = "ratings-chunks.dat"
        let path = scratch.file(name)
        let bytes = Self.bom + Array((Self.lines.map(\.text).joined() + Self.partial).utf8)
        // Where each line ends, newline included, counted from the start of the file.
        var ends: [Int] = []
        var position = Self.bom.count
        for line in Self.lines {
            position += line.text.utf8.count
            ends.append(position)
        }

        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var learned = RatingColumns()
        var rejections = RejectionTally()
        var written = 0
        try write(path, [])
        while written < bytes.count {
            let chunk = Array(bytes[written..<min(bytes.count, written + chunkSize)])
            try append(path, chunk)
            written += chunk.count
            var report = TailReport()
            tailer.poll(name, into: &report)
            #expect(report.failures.isEmpty)
            learned.append(contentsOf: report.columns)
            rejections.merge(report.rejections)

            let complete = Self.lines.indices.filter { ends[$0] <= written }
            let expected = complete.compactMap { Self.lines[$0].rating }
            #expect(triples(learned) == expected.map { "\($0.user) \($0.joke) \($0.value)" },
                    "after \(written) bytes")
            let file = try #require(tailer.files[name])
            #expect(file.offset == (complete.last.map { ends[$0] } ?? 0))
            #expect(file.nextLine == complete.count + 1)
        }

        #expect(rejections.total == 1)
        #expect(rejections.samples.map(\.line) == [6])
        #expect(rejections.count(of: .ratingOutOfRange) == 1)
        #expect(tailer.pendingBytes == Self.partial.utf8.count)
    }

    @Test func aLineWrittenByteByByteIsLearnedOnlyOnceItsNewlineArrives() throws {
        let scratch = try Scratch()
        let name = "ratings-a.dat"
        let path = scratch.file(name)
        try write(path, ratingLine(1, 5, 1) + ratingLine(1, 6, 2))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var first = TailReport()
        tailer.poll(name, into: &first)
        #expect(first.columns.count == 2)
        #expect(first.added == [name])

        let settled = try #require(tailer.files[name])
        let line = Array("9\t\t5\t\t2.5\n".utf8)
        for (index, byte) in line.enumerated() {
            try append(path, [byte])
            var report = TailReport()
            tailer.poll(name, into: &report)
            let file = try #require(tailer.files[name])
            if index < line.count - 1 {
                #expect(report.columns.count == 0, "after byte \(index)")
                #expect(report.rejections.total == 0)
                #expect(file.offset == settled.offset)
                #expect(file.size == settled.size + index + 1)
            } else {
                #expect(triples(report.columns) == ["9 5 2.5"])
                #expect(report.linesRead == 1)
                #expect(file.nextLine == 4)
                #expect(file.offset == fileSize(path))
            }
        }

        // A bad line written the same way is reported once, with its own line number.
        let bad = Array("9\t\t6\t\tlots\n".utf8)
        var rejections = RejectionTally()
        for byte in bad {
            try append(path, [byte])
            var report = TailReport()
            tailer.poll(name, into: &report)
            #expect(report.columns.count == 0)
            rejections.merge(report.rejections)
        }
        #expect(rejections.total == 1)
        #expect(rejections.samples.first?.line == 4)
        #expect(rejections.samples.first?.file == name)
        #expect(tailer.files[name]?.nextLine == 5)
    }

    @Test func aCarriageReturnWaitsForItsLineFeed() throws {
        let scratch = try Scratch()
        let name = "ratings-crlf.dat"
        let path = scratch.file(name)
        try write(path, "1\t\t5\t\t3.5\r")
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.columns.count == 0)

        try append(path, "\n2\t\t5\t\t-1\r\n")
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(triples(report.columns) == ["1 5 3.5", "2 5 -1.0"])
        #expect(report.rejections.total == 0)
        #expect(tailer.pendingBytes == 0)
    }

    @Test func aFileCreatedInPlaceIsAddedAndRead() throws {
        let scratch = try Scratch()
        let name = "ratings-new.dat"
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.added.isEmpty && report.withdrawn.isEmpty && report.failures.isEmpty)

        try write(scratch.file(name), ratingLine(3, 4, 5) + ratingLine(3, 5, 6))
        tailer.poll(name, into: &report)
        #expect(report.added == [name])
        #expect(triples(report.columns) == ["3 4 5.0", "3 5 6.0"])
        #expect(tailer.files[name]?.identity.inode == inode(scratch.file(name)))
    }

    @Test func aFileWrittenElsewhereAndRenamedInIsReadWhole() throws {
        let scratch = try Scratch()
        let watched = try scratch.makeDirectory("watched")
        let elsewhere = scratch.file("ratings-elsewhere.dat")
        try write(elsewhere, ratingLine(1, 2, 3) + ratingLine(4, 5, 6) + ratingLine(7, 8, 9))

        var tailer = RatingsTailer(directory: watched, parser: RatingsParser())
        try move(elsewhere, watched + "/ratings-moved.dat")
        var report = TailReport()
        tailer.poll("ratings-moved.dat", into: &report)
        #expect(report.added == ["ratings-moved.dat"])
        #expect(triples(report.columns) == ["1 2 3.0", "4 5 6.0", "7 8 9.0"])
    }

    @Test func aTruncatedFileIsWithdrawnAndReadAgainFromTheStart() throws {
        let scratch = try Scratch()
        let name = "ratings-t.dat"
        let path = scratch.file(name)
        try write(path, ratingLine(1, 5, 1) + ratingLine(2, 5, 2) + ratingLine(3, 5, 3))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.columns.count == 3)

        try truncateFile(path, to: 0)
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn == [name])
        #expect(report.columns.count == 0)
        #expect(tailer.files[name]?.offset == 0)
        #expect(tailer.files[name]?.nextLine == 1)

        try append(path, ratingLine(8, 6, -2))
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn.isEmpty)
        #expect(triples(report.columns) == ["8 6 -2.0"])
        #expect(tailer.files[name]?.nextLine == 2)

        // Cut back to a shorter but non-empty prefix.
        try truncateFile(path, to: 0)
        report = TailReport()
        tailer.poll(name, into: &report)
        try append(path, ratingLine(9, 7, 1) + ratingLine(9, 8, 1) + ratingLine(9, 9, 1))
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.columns.count == 3)
        try truncateFile(path, to: ratingLine(9, 7, 1).utf8.count)
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn == [name])
        #expect(triples(report.columns) == ["9 7 1.0"])
    }

    /// `cat new > ratings.dat` truncates and writes again in place: when the poll comes only
    /// after the new contents outgrew what was read, the same inode and a larger size must
    /// still not be taken for an append.
    @Test func aFileRewrittenInPlaceBeforeThePollIsReadAgainFromTheStart() throws {
        let scratch = try Scratch()
        let name = "ratings-w.dat"
        let path = scratch.file(name)
        try write(path, ratingLine(1, 5, 1))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)

        try write(path, ratingLine(7, 1, 2) + ratingLine(7, 2, 3) + ratingLine(7, 3, 4))
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn == [name])
        #expect(triples(report.columns) == ["7 1 2.0", "7 2 3.0", "7 3 4.0"])
        #expect(report.rejections.total == 0)
    }

    @Test func aFileReplacedByANewInodeIsReadAgainFromTheStart() throws {
        let scratch = try Scratch()
        let name = "ratings-r.dat"
        let path = scratch.file(name)
        try write(path, ratingLine(1, 5, 1) + ratingLine(2, 5, 2))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)
        let before = try #require(tailer.files[name])

        // Larger than what was read, so only the new inode tells the files apart.
        let replacement = scratch.file(".ratings-r.tmp")
        let lines = (0..<5).map { ratingLine(20 + $0, 6, 4) }.joined()
        try write(replacement, lines)
        try move(replacement, path)
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn == [name])
        #expect(report.columns.count == 5)
        #expect(report.columns.users == [20, 21, 22, 23, 24])
        let after = try #require(tailer.files[name])
        #expect(after.identity != before.identity)
        #expect(after.offset == lines.utf8.count)
    }

    @Test func aDeletedFileIsWithdrawnOnce() throws {
        let scratch = try Scratch()
        let name = "ratings-d.dat"
        try write(scratch.file(name), ratingLine(1, 5, 1))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)

        try remove(scratch.file(name))
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn == [name])
        #expect(tailer.files[name] == nil)
        #expect(report.failures.isEmpty)

        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.withdrawn.isEmpty)
    }

    @Test func rescanFindsEveryChangeWithoutEvents() throws {
        let scratch = try Scratch()
        try write(scratch.file("jester_items.dat"), "1:\n<p>One</p>\n")
        try write(scratch.file("ratings-1.dat"), ratingLine(1, 1, 1))
        try write(scratch.file("ratings-2.dat"), ratingLine(2, 1, 2) + ratingLine(2, 2, 2))
        try write(scratch.file("notes.txt"), ratingLine(3, 1, 3))
        try write(scratch.file(".ratings-hidden.dat"), ratingLine(4, 1, 4))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        try tailer.rescan(into: &report)
        #expect(report.added == ["ratings-1.dat", "ratings-2.dat"])
        #expect(report.columns.count == 3)

        try append(scratch.file("ratings-1.dat"), ratingLine(1, 2, 5))
        try write(scratch.file("ratings-3.dat"), ratingLine(6, 1, 6))
        try remove(scratch.file("ratings-2.dat"))
        report = TailReport()
        try tailer.rescan(into: &report)
        #expect(triples(report.columns) == ["1 2 5.0", "6 1 6.0"])
        #expect(report.added == ["ratings-3.dat"])
        #expect(report.withdrawn == ["ratings-2.dat"])
        #expect(tailer.trackedFiles.map(\.name) == ["ratings-1.dat", "ratings-3.dat"])
    }

    @Test func oneEventReadsEverythingAppendedSince() throws {
        let scratch = try Scratch()
        let name = "ratings-big.dat"
        let path = scratch.file(name)
        try write(path, ratingLine(1, 1, 1))
        var tailer = RatingsTailer(directory: scratch.path, parser: RatingsParser())
        var report = TailReport()
        tailer.poll(name, into: &report)

        // Far more than one read buffer, appended in many writes before a single poll.
        var block = ""
        for user in 0..<50_000 { block += ratingLine(user, user % 100 + 1, 1) }
        let bytes = Array(block.utf8)
        let quarter = bytes.count / 4
        for start in stride(from: 0, to: bytes.count, by: quarter) {
            try append(path, Array(bytes[start..<min(bytes.count, start + quarter)]))
        }
        report = TailReport()
        tailer.poll(name, into: &report)
        #expect(report.columns.count == 50_000)
        #expect(tailer.pendingBytes == 0)
    }
}
