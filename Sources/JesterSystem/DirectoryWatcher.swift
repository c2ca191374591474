import Glibc
import Synchronization

/// What the watcher saw. Events are hints: a reader must always read to the end of a file.
public enum WatchEvent: Sendable, Equatable {
    /// A file was created, written, closed after writing, or moved into the directory.
    case changed(String)
    /// A file was deleted or moved out of the directory.
    case removed(String)
    /// The kernel's event queue overflowed (IN_Q_OVERFLOW): events were lost, rescan all.
    case overflow
    /// The directory itself was deleted or moved away; the watcher retries until it returns.
    case directoryLost
    /// The directory exists again after being lost; rescan all.
    case directoryReturned
    /// The watcher stopped on an error and sends nothing more.
    case watchFailed(SystemError)
}

/// Watches one directory with inotify(7) on a thread of its own doing blocking reads.
///
/// When the directory is removed or replaced the watch is re-established by path, retried
/// every `retryInterval` seconds until it succeeds.
public final class DirectoryWatcher: Sendable {
    public let path: String
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let inotify: Int32
    private let wake: (read: Int32, write: Int32)
    private let retryInterval: Double
    private let stopped = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_MOVED_FROM, IN_DELETE,
    /// IN_DELETE_SELF and IN_MOVE_SELF, on a directory only (IN_ONLYDIR).
    private static let mask = UInt32(IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM)
        | UInt32(IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    /// Creates the inotify instance (inotify_init1(2)); the watch is added when started.
    public init(path: String, retryInterval: Double = 0.5) throws(SystemError) {
        self.path = path
        self.retryInterval = retryInterval
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        inotify = try retryingSyscall("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC)) }
        var ends: [Int32] = [0, 0]
        try retryingSyscall("pipe") { pipe(&ends) }
        wake = (ends[0], ends[1])
        try setCloseOnExec(ends[0])
        try setCloseOnExec(ends[1])
    }

    /// Adds the watch and starts the reading thread.
    ///
    /// - Throws: When the directory cannot be watched now (it must exist at start).
    public func start() throws(SystemError) {
        let descriptor = try retryingSyscall("inotify_add_watch", subject: path) {
            inotify_add_watch(inotify, path, Self.mask)
        }
        started.store(true, ordering: .releasing)
        do {
            try startThread { [self] in run(watch: descriptor) }
        } catch {
            started.store(false, ordering: .releasing)
            throw error
        }
    }

    deinit {
        // A started watcher is held by its thread until the thread has closed its
        // descriptors, and stop() closes the write end; only a watcher never started gets here
        // with descriptors open.
        if !started.load(ordering: .acquiring) {
            close(inotify)
            close(wake.read)
        }
        if !stopped.load(ordering: .acquiring) { close(wake.write) }
    }

    /// Stops the thread and finishes the event stream.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        // The byte stays readable for the thread; nothing writes to the pipe again.
        close(wake.write)
    }

    private func run(watch initial: Int32) {
        var watch = initial
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        // The thread is the only reader: it closes what it read from, then ends the stream,
        // so that a consumer who saw the end knows the descriptors are gone.
        defer {
            close(inotify)
            close(wake.read)
            continuation.finish()
        }
        while !stopped.load(ordering: .acquiring) {
            if watch < 0 {
                guard waitForWake(timeout: retryInterval) == false else { return }
                watch = inotify_add_watch(inotify, path, Self.mask)
                if watch >= 0 { continuation.yield(.directoryReturned) }
                continue
            }

            var descriptors = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if descriptors[1].revents != 0 { return }
            if ready < 0 {
                continuation.yield(.watchFailed(SystemError("poll", errno: errno)))
                return
            }

            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else {
                continuation.yield(.watchFailed(SystemError("read", errno: count < 0 ? errno : 0)))
                return
            }
            buffer.withUnsafeBytes { bytes in
                deliver(UnsafeRawBufferPointer(rebasing: bytes[..<count]), watch: &watch)
            }
        }
    }

    /// Decodes a buffer of `struct inotify_event` records.
    private func deliver(_ bytes: UnsafeRawBufferPointer, watch: inout Int32) {
        var offset = 0
        let headerSize = MemoryLayout<inotify_event>.size
        while offset + headerSize <= bytes.count {
            let descriptor = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let nameLength = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameBytes = bytes[(offset + headerSize)..<min(bytes.count, offset + headerSize + nameLength)]
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            offset += headerSize + nameLength

            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                continuation.yield(.overflow)
                continue
            }
            guard descriptor == watch else { continue }
            if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                // A moved directory keeps its watch; drop it so the path is watched again.
                if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(inotify, watch) }
                watch = -1
                continuation.yield(.directoryLost)
                return
            }
            guard !name.isEmpty else { continue }
            if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
                continuation.yield(.removed(name))
            } else {
                continuation.yield(.changed(name))
            }
        }
    }

    /// Waits up to `timeout` seconds; returns whether the stop pipe woke it.
    private func waitForWake(timeout: Double) -> Bool {
        var descriptor = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        return ready > 0
    }
}
