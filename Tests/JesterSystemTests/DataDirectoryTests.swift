import JesterCore
import JesterSystem
import Testing

/// DataDirectory on real files in a temporary directory.
struct DataDirectoryTests {
    @Test(arguments: [
        ("ratings-ds1.dat", true),
        ("jester_ratings.dat", true),
        ("ratings-ds2-prefix.dat", true),
        ("jester_items.dat", false),
        ("ds4-set-aside.dat", false),
        (".hidden-ratings.dat", false),
        ("ratings.txt", false),
        ("ratings.dat.bak", false),
    ])
    func recognisesRatingsFileNames(name: String, isRatings: Bool) {
        #expect(DataDirectory.isRatingsFileName(name) == isRatings)
    }

    private static let jokes = """
        1:
        <p>The first joke.</p>

        2:
        <p>The second joke.</p>

        3:
        <p>The third joke.</p>

        """

    @Test func loadsEveryRatingsFileAndCountsRejectedLines() throws {
        let directory = try TemporaryDirectory()
        try directory.write("jester_items.dat", Self.jokes)
        try directory.write("ratings-a.dat", "1\t\t1\t\t2.5\n1\t\t2\t\t-3\n2\t\t1\t\t9.875\n")
        try directory.write("ratings-b.dat", """
            3\t\t1\t\t1.0
            garbage
            3\t\t2\t\t11
            4\t\tx\t\t1
            4\t\t3\t\tabc
            4\t\t2\t\t5
            5\t\t99\t\t1
            # a comment
              
            5\t\t3\t\t-10

            """)
        try directory.write("notes.txt", "1\t\t1\t\t1\n")
        try directory.write(".old-ratings.dat", "1\t\t1\t\t1\n")

        let data = try DataDirectory(path: directory.path).load()

        #expect(data.ratingsFiles == ["ratings-a.dat", "ratings-b.dat"])
        #expect(data.catalog.count == 3)
        #expect(data.ratings.count == 6)
        #expect(data.ratings.users.ids == [1, 2, 3, 4, 5])
        #expect(data.ratings.jokes.ids == [1, 2, 3])
        #expect(data.info.files == 2)
        #expect(data.info.linesRead == 13)

        let rejections = data.info.rejections
        #expect(rejections.total == 5)
        #expect(rejections.samples == [
            RejectedLine(file: "ratings-b.dat", line: 2, reason: .fieldCount),
            RejectedLine(file: "ratings-b.dat", line: 3, reason: .ratingOutOfRange),
            RejectedLine(file: "ratings-b.dat", line: 4, reason: .badID),
            RejectedLine(file: "ratings-b.dat", line: 5, reason: .nonNumericRating),
            RejectedLine(file: "ratings-b.dat", line: 7, reason: .unknownJoke),
        ])
    }

    @Test func reportsAMissingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent")
        let error = #expect(throws: DataDirectoryError.self) {
            try DataDirectory(path: path).load()
        }
        guard case .notADirectory(let named) = error else {
            Issue.record("expected notADirectory, got \(String(describing: error))")
            return
        }
        #expect(named == path)
    }

    @Test func reportsAFileGivenAsTheDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.write("file", "x")
        let error = #expect(throws: DataDirectoryError.self) {
            try DataDirectory(path: directory.file("file")).load()
        }
        guard case .notADirectory = error else {
            Issue.record("expected notADirectory, got \(String(describing: error))")
            return
        }
    }

    @Test func reportsADirectoryWithoutRatingsFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("jester_items.dat", Self.jokes)
        try directory.write("ratings.txt", "1\t\t1\t\t1\n")
        let error = #expect(throws: DataDirectoryError.self) {
            try DataDirectory(path: directory.path).load()
        }
        guard case .noRatingsFiles(let named) = error else {
            Issue.record("expected noRatingsFiles, got \(String(describing: error))")
            return
        }
        #expect(named == directory.path)
        #expect(try DataDirectory(path: directory.path).ratingsFileNames().isEmpty)
    }
}
