import Glibc
import JesterCore

/// Why the state directory could not be used.
public enum StateStoreError: Error, CustomStringConvertible, Sendable {
    case system(SystemError)

    public var description: String {
        switch self {
        case .system(let error): error.description
        }
    }
}

/// Saved states in the state directory, written so that a crash at any moment leaves the
/// previous state readable.
///
/// A state is written to `state.tmp`, flushed with fsync(2), renamed to
/// `state-GENERATION.jester` and the directory is flushed too. Loading takes the newest file
/// that decodes and passes its checksum; older generations beyond the previous one are
/// removed after each save.
public struct StateStore: Sendable {
    public let directory: String
    static let prefix = "state-"
    static let suffix = ".jester"
    static let temporaryName = "state.tmp"

    public init(directory: String) {
        self.directory = directory
    }

    /// What loading found.
    public struct Loaded: Sendable {
        public var state: PersistedState
        public var name: String
        public var generation: UInt64
        /// Newer files that could not be used, with the reason.
        public var skipped: [(name: String, reason: String)]
    }

    /// The newest valid state, or `nil` with the reasons newer files were skipped.
    public func loadLatest() -> (loaded: Loaded?, skipped: [(name: String, reason: String)]) {
        var skipped: [(name: String, reason: String)] = []
        for (generation, name) in generations().reversed() {
            do {
                let bytes = try Files.read(directory + "/" + name)
                let state = try PersistedState(decoding: bytes)
                return (Loaded(state: state, name: name, generation: generation, skipped: skipped), skipped)
            } catch let error as DecodingError {
                skipped.append((name, error.description))
            } catch {
                skipped.append((name, "\(error)"))
            }
        }
        return (nil, skipped)
    }

    /// Writes a state as the next generation and removes all but the two newest.
    ///
    /// - Returns: The file name written.
    @discardableResult
    public func save(_ bytes: [UInt8]) throws(StateStoreError) -> String {
        do {
            try Files.createDirectory(directory)
            let generation = (generations().last?.generation ?? 0) + 1
            let name = Self.prefix + Self.padded(generation) + Self.suffix
            let temporary = directory + "/" + Self.temporaryName
            try writeDurably(bytes, to: temporary)
            try retryingSyscall("rename", subject: temporary) { rename(temporary, directory + "/" + name) }
            try Files.syncDirectory(directory)
            for (_, old) in generations().dropLast(2) { unlink(directory + "/" + old) }
            return name
        } catch {
            throw .system(error)
        }
    }

    /// The state files present, oldest first.
    func generations() -> [(generation: UInt64, name: String)] {
        let names = (try? Files.list(directory)) ?? []
        return names.compactMap { name -> (UInt64, String)? in
            guard name.hasPrefix(Self.prefix), name.hasSuffix(Self.suffix) else { return nil }
            let digits = name.dropFirst(Self.prefix.count).dropLast(Self.suffix.count)
            guard let generation = UInt64(digits) else { return nil }
            return (generation, name)
        }.sorted { $0.0 < $1.0 }
    }

    private func writeDurably(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let descriptor = try retryingSyscall("open", subject: path) {
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        }
        defer { close(descriptor) }
        try Files.writeAll(descriptor, bytes, path: path)
        try retryingSyscall("fsync", subject: path) { fsync(descriptor) }
    }

    private static func padded(_ generation: UInt64) -> String {
        let digits = String(generation)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }
}
