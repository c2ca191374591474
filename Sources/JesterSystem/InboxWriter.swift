import Glibc
import JesterCore
import Synchronization

/// Appends ratings sent with `rate` to the inbox ratings file of the data directory.
///
/// jesterd learns them the way it learns any appended line, through inotify, so nothing is
/// learned that is not on disk. Each append is flushed with fsync(2) before it returns; when
/// the call creates the file, the directory is flushed too.
public final class InboxWriter: Sendable {
    public static let fileName = "ratings-inbox.dat"

    public let directory: String
    private let lock = Mutex(())

    public init(directory: String) {
        self.directory = directory
    }

    public var path: String { directory + "/" + Self.fileName }

    /// A rating as the inbox writes it: at most six decimals, no trailing zeros, never `-0`.
    public static func ratingText(_ rating: Double) -> String {
        ReplyText.trimmed(rating == 0 ? 0 : rating, maxDecimals: 6)
    }

    /// Appends one line `user<TAB><TAB>joke<TAB><TAB>rating` durably.
    public func append(user: Int32, joke: Int32, rating: Double) throws(SystemError) {
        let line = Array("\(user)\t\t\(joke)\t\t\(Self.ratingText(rating))\n".utf8)
        let path = self.path
        let directory = self.directory
        let result: Result<Void, SystemError> = lock.withLock { _ in
            Result { () throws(SystemError) in
                var created = false
                var descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
                if descriptor < 0 && errno == ENOENT {
                    descriptor = try retryingSyscall("open", subject: path) {
                        open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                    }
                    created = true
                } else if descriptor < 0 {
                    throw SystemError("open", errno: errno, subject: path)
                }
                defer { close(descriptor) }
                try Files.writeAll(descriptor, line, path: path)
                try retryingSyscall("fsync", subject: path) { fsync(descriptor) }
                if created { try Files.syncDirectory(directory) }
            }
        }
        try result.get()
    }
}
