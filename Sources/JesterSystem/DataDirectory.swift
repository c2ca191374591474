import JesterCore

/// Everything read from a data directory.
public struct LoadedData: Sendable {
    public var catalog: JokeCatalog
    public var ratings: RatingSet
    public var info: DataInfo
    /// The ratings files read, by name, in the order read.
    public var ratingsFiles: [String]
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
/// names starting with `.` are ignored. Ratings files are read in bytewise name order.
public struct DataDirectory: Sendable {
    public static let jokesFileName = "jester_items.dat"

    public let path: String

    public init(path: String) {
        self.path = path
    }

    public static func isRatingsFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".dat") && name.contains("ratings") && name != jokesFileName
    }

    /// The ratings files present, in reading order.
    public func ratingsFileNames() throws(DataDirectoryError) -> [String] {
        guard Files.isDirectory(path) else { throw .notADirectory(path) }
        do {
            return try Files.list(path).filter {
                Self.isRatingsFileName($0) && Files.isRegularFile(path + "/" + $0)
            }
        } catch { throw .unreadable(error) }
    }

    /// Reads the jokes file and every ratings file.
    ///
    /// A missing jokes file gives an empty catalog, and then ratings of any joke id are kept.
    public func load() throws(DataDirectoryError) -> LoadedData {
        let names = try ratingsFileNames()
        guard !names.isEmpty else { throw .noRatingsFiles(path) }

        var catalog = JokeCatalog()
        let jokesPath = path + "/" + Self.jokesFileName
        if Files.isRegularFile(jokesPath) {
            do { catalog = JokeCatalog(parsing: try Files.read(jokesPath)) } catch { throw .unreadable(error) }
        }

        let parser = RatingsParser(knownJokes: catalog.count > 0 ? catalog.idSet : nil)
        var columns = RatingColumns()
        var rejections = RejectionTally()
        var lines = 0
        for name in names {
            let bytes: [UInt8]
            do { bytes = try Files.read(path + "/" + name) } catch { throw .unreadable(error) }
            columns.reserveCapacity(columns.count + bytes.count / 12)
            lines += bytes.withUnsafeBufferPointer { buffer in
                parser.parse(buffer, source: name, firstLine: 1, atFileStart: true, endOfInput: true,
                             into: &columns, rejections: &rejections).lines
            }
        }
        let ratings = RatingSet(columns, extraJokes: catalog.ids)
        let info = DataInfo(files: names.count, linesRead: lines, rejections: rejections,
                            replacedRatings: ratings.replacedCount)
        return LoadedData(catalog: catalog, ratings: ratings, info: info, ratingsFiles: names)
    }
}
