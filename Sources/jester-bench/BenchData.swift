import Glibc
import JesterCore
import JesterSystem
import JesterTestSupport

/// A data directory the bench measures, with the name its rows carry.
struct BenchDataset: Sendable {
    /// `synthetic` or `bundled`.
    let name: String
    /// The directory DataDirectory loads.
    let directory: String
}

/// The run's temporary directory under /tmp: the generated ratings file and the query socket.
///
/// The path is short (`/tmp/jester-bench-XXXXXX`), so a socket inside it fits `sun_path`.
final class ScratchDirectory {
    /// The directory's absolute path.
    let path: String
    private var createdFiles: [String] = []

    /// Creates a fresh directory (mkdtemp(3)).
    init() throws(SystemError) {
        var template = Array("/tmp/jester-bench-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw SystemError("mkdtemp", errno: errno) }
        let bytes = template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        path = String(decoding: bytes, as: UTF8.self)
    }

    /// The path of a file in the directory, which ``remove()`` will delete.
    func file(named name: String) -> String {
        let file = path + "/" + name
        createdFiles.append(file)
        return file
    }

    /// Writes a whole file (open(2), write(2)); EINTR is retried.
    func write(_ bytes: [UInt8], named name: String) throws(SystemError) {
        let file = file(named: name)
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError("open", errno: errno, subject: file) }
        defer { close(descriptor) }

        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw SystemError("write", errno: errno, subject: file) }
            offset += written
        }
    }

    /// Deletes the files handed out and the directory itself.
    func remove() {
        for file in createdFiles { unlink(file) }
        rmdir(path)
    }
}

/// Finding and making the data sets.
enum BenchData {
    /// The name the generated ratings file gets, which DataDirectory reads as a ratings file.
    static let syntheticFileName = "ratings-synthetic.dat"

    /// What generating the synthetic file cost.
    struct Generated {
        /// The scratch directory as a data set holding the one generated ratings file.
        let dataset: BenchDataset
        /// The size of the file.
        let bytes: Int
        /// The time SyntheticRatings took to make the bytes.
        let seconds: Double
    }

    /// Generates Dataset 2-sized ratings with the default parameters and writes them to the
    /// scratch directory.
    static func writeSynthetic(to scratch: ScratchDirectory) throws(SystemError) -> Generated {
        let (bytes, seconds) = timed { SyntheticRatings().fileBytes() }
        try scratch.write(bytes, named: syntheticFileName)
        let dataset = BenchDataset(name: "synthetic", directory: scratch.path)
        return Generated(dataset: dataset, bytes: bytes.count, seconds: seconds)
    }

    /// The bundled data directory: `explicit` when given, otherwise the first `data` directory
    /// holding ratings files in the current directory or up to three directories above it.
    ///
    /// - Returns: `nil` when there is no such directory or it holds no ratings files.
    static func locateBundled(_ explicit: String?) -> BenchDataset? {
        let candidates = explicit.map { [$0] }
            ?? (0...3).map { String(repeating: "../", count: $0) + "data" }
        for candidate in candidates {
            guard let names = try? DataDirectory(path: candidate).ratingsFileNames(),
                  !names.isEmpty
            else { continue }
            return BenchDataset(name: "bundled", directory: candidate)
        }
        return nil
    }

    /// Loads a data set once, untimed, for sections that need its ratings.
    static func load(_ dataset: BenchDataset) -> LoadedData? {
        try? DataDirectory(path: dataset.directory).load()
    }
}
