import JesterCore

/// Everything read from a data directory.
public struct LoadedData: Sendable {
    public var catalog: JokeCatalog
    public var ratings: RatingSet
    public var info: DataInfo
    /// The ratings files read, with how far each was read.
    public var files: [TrackedFile]

    /// The ratings files read, by name, in the order read.
    public var ratingsFiles: [String] { files.map(\.name) }
}

/// Why a data directory could not be loaded.
public enum DataDirectoryError: Error, CustomStringConvertible, Sendable {
    case notADirectory(String)
    case unreadable(SystemError)
    case noRatingsFiles(String)

    public var description: String {
        switch self {
        case .notADirectory(let path): "data directory \(path) does not exist or is not a directory"
        case .unreadable(let error): error.description
        case .noRatingsFiles(let path): "no ratings files (*ratings*.dat) in \(path)"
        }
    }
}

/// The data directory: the jokes file and the ratings files beside it.
///
/// The jokes file is `jester_items.dat`. A ratings file is any other regular file whose name
/// contains `ratings` and ends in `.dat`, such as `jester_ratings.dat` or `ratings-ds1.dat`;
/// names starting with `.` are ignored. Ratings files are read in bytewise name order, except
/// the inbox that `rate` appends to, which is read last, so that a rating sent with `rate`
/// wins over the files at a full retrain as it did live.
public struct DataDirectory: Sendable {
    public static let jokesFileName = "jester_items.dat"
    /// Jokes never to recommend: one id per line, `#` comments allowed.
    public static let retiredFileName = "retired_jokes.dat"

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Names in the order a full load reads them: bytewise, the inbox last.
    public static func readingOrder(_ names: [String]) -> [String] {
        names.filter { $0 != InboxWriter.fileName } + names.filter { $0 == InboxWriter.fileName }
    }

    public static func isRatingsFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".dat") && name.contains("ratings") && name != jokesFileName
    }

    /// The ratings files present, in reading order.
    public func ratingsFileNames() throws(DataDirectoryError) -> [String] {
        guard Files.isDirectory(path) else { throw .notADirectory(path) }
        do {
            return Self.readingOrder(try Files.list(path).filter {
                Self.isRatingsFileName($0) && Files.isRegularFile(path + "/" + $0)
            })
        } catch { throw .unreadable(error) }
    }

    /// Reads the jokes file and every ratings file.
    ///
    /// A missing jokes file gives an empty catalog, and then ratings of any joke id are kept.
    public func load() throws(DataDirectoryError) -> LoadedData {
        let names = try ratingsFileNames()
        guard !names.isEmpty else { throw .noRatingsFiles(path) }

        let catalog = try loadCatalog()
        var tailer = RatingsTailer(directory: path, parser: Self.parser(for: catalog))
        var report = TailReport()
        do { try tailer.rescan(into: &report) } catch { throw .unreadable(error) }
        if let failure = report.failures.first { throw .unreadable(failure.error) }

        let ratings = RatingSet(report.columns, extraJokes: catalog.ids)
        let info = DataInfo(files: names.count, linesRead: report.linesRead, rejections: report.rejections,
                            replacedRatings: ratings.replacedCount)
        return LoadedData(catalog: catalog, ratings: ratings, info: info, files: tailer.trackedFiles)
    }

    /// Reads the jokes file; an empty catalog when there is none.
    public func loadCatalog() throws(DataDirectoryError) -> JokeCatalog {
        let jokesPath = path + "/" + Self.jokesFileName
        guard Files.isRegularFile(jokesPath) else { return JokeCatalog() }
        do { return JokeCatalog(parsing: try Files.read(jokesPath)) } catch { throw .unreadable(error) }
    }

    /// Reads the retired jokes file; an empty set when there is none. Lines that are not an
    /// id are ignored.
    public func loadRetired() -> JokeIDSet {
        guard let bytes = try? Files.read(path + "/" + Self.retiredFileName) else { return JokeIDSet([]) }
        let text = String(decoding: bytes, as: UTF8.self)
        let ids = text.split(whereSeparator: \.isNewline).compactMap { line in
            NumberParsing.parseID(line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingBlanks())
        }
        return JokeIDSet(ids)
    }

    /// The parser for a catalog: ratings must name one of its jokes, unless it is empty.
    public static func parser(for catalog: JokeCatalog) -> RatingsParser {
        RatingsParser(knownJokes: catalog.count > 0 ? catalog.idSet : nil)
    }
}

private extension Substring {
    func trimmingBlanks() -> Substring {
        let start = drop { $0 == " " || $0 == "\t" }
        var end = start.endIndex
        while end > start.startIndex {
            let last = start[start.index(before: end)]
            guard last == " " || last == "\t" else { break }
            end = start.index(before: end)
        }
        return start[..<end]
    }
}
