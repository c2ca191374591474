import Glibc
import JesterCore

/// Which file a name pointed at: its device and inode.
public struct FileIdentity: Sendable, Equatable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// How much of one ratings file has been learned.
public struct TrackedFile: Sendable, Equatable {
    public var name: String
    public var identity: FileIdentity
    /// Bytes consumed: every complete line before this offset has been parsed.
    public var offset: Int
    /// The line number of the line starting at `offset`.
    public var nextLine: Int
    /// The size when the file was last read.
    public var size: Int
    /// The file's first bytes as read, up to ``prefixLength``, to notice a file rewritten in
    /// place to at least its old length.
    public var prefix: [UInt8]

    public static let prefixLength = 64

    public init(name: String, identity: FileIdentity, offset: Int, nextLine: Int, size: Int,
                prefix: [UInt8] = []) {
        self.name = name
        self.identity = identity
        self.offset = offset
        self.nextLine = nextLine
        self.size = size
        self.prefix = prefix
    }
}

/// What one pass over the data directory found.
public struct TailReport: Sendable {
    /// Good ratings read, in file order.
    public var columns = RatingColumns()
    public var rejections = RejectionTally()
    public var linesRead = 0
    /// Files whose earlier ratings are gone: deleted, truncated or replaced by another inode.
    /// Their ratings stay learned until the next full retrain withdraws them.
    public var withdrawn: [String] = []
    /// Files read for the first time.
    public var added: [String] = []
    /// Files that could not be read, with the error.
    public var failures: [(name: String, error: SystemError)] = []

    public init() {}
}

/// Reads ratings files from where it stopped last time.
///
/// Events are hints, not truth: every read goes to the end of the file. A line is parsed only
/// once its newline has arrived; a partial last line waits in the file for the rest. A file
/// whose inode changed, that shrank below what was read, or whose first bytes changed, is read
/// again from its start.
public struct RatingsTailer: Sendable {
    public let directory: String
    public var parser: RatingsParser
    public private(set) var files: [String: TrackedFile] = [:]

    public init(directory: String, parser: RatingsParser, files: [TrackedFile] = []) {
        self.directory = directory
        self.parser = parser
        for file in files { self.files[file.name] = file }
    }

    /// The tracked files in name order.
    public var trackedFiles: [TrackedFile] {
        files.values.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// Reads whatever was appended to one file, or forgets it when it is gone.
    public mutating func poll(_ name: String, into report: inout TailReport) {
        guard DataDirectory.isRatingsFileName(name) else { return }
        let path = directory + "/" + name
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                forget(name, into: &report)
            } else {
                report.failures.append((name, SystemError("open", errno: code, subject: path)))
            }
            return
        }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            report.failures.append((name, SystemError("fstat", errno: errno, subject: path)))
            return
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            forget(name, into: &report)
            return
        }
        let identity = FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        let size = Int(status.st_size)

        var file = files[name] ?? TrackedFile(name: name, identity: identity, offset: 0, nextLine: 1, size: 0)
        if files[name] == nil {
            report.added.append(name)
        } else if file.identity != identity || size < file.offset || !Self.startsWith(descriptor, file.prefix) {
            report.withdrawn.append(name)
            file = TrackedFile(name: name, identity: identity, offset: 0, nextLine: 1, size: 0)
        }
        file.size = size
        do {
            try readAppended(descriptor, path: path, file: &file, into: &report)
        } catch {
            report.failures.append((name, error))
        }
        files[name] = file
    }

    /// Polls every ratings file in the directory and forgets those no longer there.
    public mutating func rescan(into report: inout TailReport) throws(SystemError) {
        let present = DataDirectory.readingOrder(try Files.list(directory).filter(DataDirectory.isRatingsFileName))
        for name in files.keys.sorted() where !present.contains(name) {
            forget(name, into: &report)
        }
        for name in present {
            poll(name, into: &report)
        }
    }

    /// Bytes in tracked files not yet learned.
    public var pendingBytes: Int { files.values.reduce(0) { $0 + max(0, $1.size - $1.offset) } }

    /// Whether the file still begins with the bytes read from it before.
    private static func startsWith(_ descriptor: Int32, _ prefix: [UInt8]) -> Bool {
        guard !prefix.isEmpty else { return true }
        var current = [UInt8](repeating: 0, count: prefix.count)
        let count = current.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return count == prefix.count && current == prefix
    }

    private mutating func forget(_ name: String, into report: inout TailReport) {
        guard files.removeValue(forKey: name) != nil else { return }
        report.withdrawn.append(name)
    }

    private func readAppended(
        _ descriptor: Int32,
        path: String,
        file: inout TrackedFile,
        into report: inout TailReport
    ) throws(SystemError) {
        // Read from the first unconsumed byte to the end, however far the end has moved.
        var buffer = [UInt8](repeating: 0, count: max(4096, file.size - file.offset + 1))
        var filled = 0
        while true {
            if filled == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let start = file.offset + filled
            let count = try buffer.withUnsafeMutableBytes { bytes in
                Result { () throws(SystemError) in
                    try retryingSyscall("pread", subject: path) {
                        pread(descriptor, bytes.baseAddress! + filled, bytes.count - filled, off_t(start))
                    }
                }
            }.get()
            if count == 0 { break }
            filled += count
        }
        buffer.removeSubrange(filled...)
        let position = file.offset + filled
        file.size = max(file.size, position)
        guard !buffer.isEmpty else { return }

        let progress = buffer.withUnsafeBufferPointer { bytes in
            parser.parse(
                bytes,
                source: file.name,
                firstLine: file.nextLine,
                atFileStart: file.offset == 0,
                endOfInput: false,
                into: &report.columns,
                rejections: &report.rejections
            )
        }
        // The prefix already holds bytes 0 ..< offset, as far as it reaches; extend it.
        if file.offset < TrackedFile.prefixLength {
            file.prefix = Array(file.prefix.prefix(file.offset)) + buffer.prefix(TrackedFile.prefixLength - file.offset)
        }
        file.offset += progress.consumedBytes
        file.nextLine += progress.lines
        report.linesRead += progress.lines
    }
}
