import Glibc
import JesterCore
import Synchronization

/// Limits that keep one client from hurting the others.
public struct ServerLimits: Sendable {
    /// Longest request line in bytes, line end not counted.
    public var maxLineLength = 4096
    /// Seconds a connection may stay silent before it is closed with a 408.
    public var idleTimeout = 60.0
    /// Open connections at once; one more is answered with a 429 and closed.
    public var maxConnections = 256
    /// Reply bytes buffered before they are written, bounding memory per pipelining client.
    public var flushThreshold = 64 * 1024
    /// Seconds a write may block on a client that does not read before it is dropped.
    public var sendTimeout = 10.0
    /// Microseconds a connection thread keeps checking for the client's next request after
    /// answering one, before it sleeps in poll(2); 0 never spins.
    public var busyPollMicroseconds = 50

    public init() {}
}

/// Answers the line protocol on a listening Unix socket, one thread per connection.
///
/// Requests are answered synchronously on the connection's thread from the snapshot current
/// when their bytes arrived; nothing on this path waits on training or on Swift concurrency.
/// Replies to pipelined requests are gathered and written together.
public final class QueryServer: Sendable {
    public typealias ContextProvider = @Sendable () -> QueryContext

    private let listener: UnixListener
    private let limits: ServerLimits
    private let snapshots: SnapshotBox
    private let context: ContextProvider
    private let logger: Logger
    private let adminPolicy: AdminPolicy
    private let reloads: ReloadQueue?
    private let wakeDescriptors: (read: Int32, write: Int32)
    private let state = Mutex(State())
    /// Connection threads busy-polling right now.
    private let spinners = Atomic<Int>(0)
    /// How many connection threads may busy-poll at once: one fewer than the cores this
    /// process may run on, so none on one core, where a spinning thread would only keep its
    /// client from running.
    public let maxSpinners = max(0, usableProcessorCount() - 1)
    /// Set by ``stop(timeout:)`` before it wakes the pollers, for the threads that spin.
    private let stopRequested = Atomic<Bool>(false)

    private struct State {
        var openConnections = 0
        var acceptorRunning = false
        var stopping = false
    }

    /// Creates a server that has not started accepting yet.
    ///
    /// - Parameters:
    ///   - adminPolicy: Which peers, by their SO_PEERCRED credentials, may use admin verbs.
    ///   - reloads: Where an accepted `reload` is queued; without one, `reload` gets a 503.
    public init(
        listener: UnixListener,
        limits: ServerLimits,
        snapshots: SnapshotBox,
        logger: Logger,
        adminPolicy: AdminPolicy = AdminPolicy(),
        reloads: ReloadQueue? = nil,
        context: @escaping ContextProvider
    ) throws(SystemError) {
        self.listener = listener
        self.limits = limits
        self.snapshots = snapshots
        self.logger = logger
        self.adminPolicy = adminPolicy
        self.reloads = reloads
        self.context = context
        var pipeEnds: [Int32] = [0, 0]
        try retryingSyscall("pipe") { pipe(&pipeEnds) }
        wakeDescriptors = (pipeEnds[0], pipeEnds[1])
        try setCloseOnExec(pipeEnds[0])
        try setCloseOnExec(pipeEnds[1])
    }

    deinit {
        close(wakeDescriptors.read)
        close(wakeDescriptors.write)
    }

    /// Open client connections right now.
    public var openConnections: Int { state.withLock { $0.openConnections } }

    /// Connection threads checking for their client's next request without sleeping.
    public var spinningConnections: Int { spinners.load(ordering: .relaxed) }

    /// Starts accepting connections on a thread of its own.
    public func start() throws(SystemError) {
        state.withLock { $0.acceptorRunning = true }
        try startThread { [self] in
            acceptLoop()
            state.withLock { $0.acceptorRunning = false }
        }
    }

    /// Stops accepting, lets every connection finish the reply it is writing, then closes the
    /// listener and removes the socket path it bound. Waits at most `timeout` seconds.
    public func stop(timeout: Double = 5) {
        let alreadyStopping = state.withLock { state in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !alreadyStopping else { return }
        stopRequested.store(true, ordering: .releasing)
        // The wake pipe is never read, so once written it stays readable for every poller.
        var byte: UInt8 = 1
        _ = write(wakeDescriptors.write, &byte, 1)

        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            let busy = state.withLock { $0.openConnections > 0 || $0.acceptorRunning }
            if !busy { break }
            usleep(2_000)
        }
        listener.close()
    }

    private func acceptLoop() {
        while true {
            var descriptors = [
                pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeDescriptors.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if descriptors[1].revents != 0 || ready < 0 { return }
            guard descriptors[0].revents & Int16(POLLIN) != 0 else { continue }

            let client = accept(listener.descriptor, nil, nil)
            guard client >= 0 else {
                // EMFILE and the like: back off briefly rather than spin.
                if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED { usleep(10_000) }
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            admit(client)
        }
    }

    private func admit(_ client: Int32) {
        enum Admission { case admitted, full, stopping }
        let admission = state.withLock { state -> Admission in
            if state.stopping { return .stopping }
            guard state.openConnections < limits.maxConnections else { return .full }
            state.openConnections += 1
            return .admitted
        }
        guard admission == .admitted else {
            var reply: [UInt8] = []
            if admission == .full {
                logger.debug("connection refused: too many open", [("connections.max", "\(limits.maxConnections)")])
                Reply.error(.busy, "too many connections (limit \(limits.maxConnections)); try again later")
                    .write(to: &reply, format: .text)
            } else {
                Reply.error(.notReady, "jesterd is stopping").write(to: &reply, format: .text)
            }
            sendAll(client, reply)
            closeDescriptor(client)
            return
        }
        setSendTimeout(client)
        do {
            try startThread { [self] in
                serve(client)
                closeDescriptor(client)
                state.withLock { $0.openConnections -= 1 }
            }
        } catch {
            logger.error("cannot start a connection thread", [("error", error.description)])
            closeDescriptor(client)
            state.withLock { $0.openConnections -= 1 }
        }
    }

    private func serve(_ client: Int32) {
        var framer = LineFramer(maxLineLength: limits.maxLineLength)
        // A peer whose credentials cannot be read is not an administrator.
        let peer = try? PeerCredentials.of(client)
        var session = QuerySession(isAdministrator: peer.map(adminPolicy.allows) ?? false)
        var output: [UInt8] = []
        output.reserveCapacity(limits.flushThreshold + 4096)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let timeoutMilliseconds = Int32(min(limits.idleTimeout * 1000, Double(Int32.max)))
        logger.debug("connection opened")

        var answeredBefore = false
        while true {
            switch awaitRequest(client, spin: answeredBefore, timeout: timeoutMilliseconds) {
            case .readable:
                break
            case .stopping, .failed:
                return
            case .idle:
                logger.debug("connection idle: closing")
                let timeout = limits.idleTimeout
                let seconds = ReplyText.trimmed(timeout, maxDecimals: 3)
                Reply.error(.idleTimeout, "idle for \(seconds) s; closing").write(to: &output, format: session.format)
                sendAll(client, output)
                return
            }
            answeredBefore = false

            let count = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return }

            let (snapshot, phase) = snapshots.read()
            var queryContext = context()
            queryContext.phase = phase
            var closing = false
            var flushFailed = false
            do {
                try buffer.withUnsafeBufferPointer { (bytes) throws(LineFramer.Stop) in
                    try framer.feed(UnsafeBufferPointer(rebasing: bytes[..<count])) { line in
                        answeredBefore = true
                        if session.answerPredictFast(line, snapshot: snapshot, into: &output) {
                            if output.count >= limits.flushThreshold {
                                flushFailed = !sendAll(client, output)
                                output.removeAll(keepingCapacity: true)
                                return !flushFailed
                            }
                            return true
                        }
                        var reply = session.respond(
                            to: line,
                            snapshot: snapshot,
                            context: queryContext
                        )
                        if reply.requestsReload { reply = queueReload(reply, peer: peer) }
                        if !reply.code.isSuccess {
                            logger.debug("request refused", [("code", "\(reply.code.rawValue)")])
                        }
                        reply.write(to: &output, format: session.format)
                        if reply.closesConnection {
                            closing = true
                            return false
                        }
                        if output.count >= limits.flushThreshold {
                            flushFailed = !sendAll(client, output)
                            output.removeAll(keepingCapacity: true)
                            return !flushFailed
                        }
                        return true
                    }
                }
            } catch .lineTooLong {
                logger.debug("request line too long: closing")
                Reply.error(.lineTooLong, "request line longer than \(limits.maxLineLength) bytes; closing")
                    .write(to: &output, format: session.format)
                closing = true
            } catch {
                // The handler stopped: a quit, or a client that stopped reading.
            }
            if flushFailed { return }
            if !output.isEmpty {
                guard sendAll(client, output) else { return }
                output.removeAll(keepingCapacity: true)
            }
            if closing { return }
        }
    }

    private enum Wait { case readable, stopping, idle, failed }

    /// Waits until the client has bytes to read, the server stops, or the idle timeout.
    ///
    /// With `spin` (the connection just answered a request) and a free spinner slot, it first
    /// checks the socket without sleeping for up to ``ServerLimits/busyPollMicroseconds``: a
    /// client that sends its next request at once then skips the wake-up from poll(2), which
    /// on an idle virtual machine costs tens of microseconds. At most one thread fewer than
    /// there are cores spins at a time, so spinning never takes every core from the others.
    /// The time spent spinning counts towards the idle timeout.
    private func awaitRequest(_ client: Int32, spin: Bool, timeout: Int32) -> Wait {
        var timeout = timeout
        if spin, limits.busyPollMicroseconds > 0, claimSpinnerSlot() {
            let started = monotonicMicroseconds()
            let arrived = spinUntilReadable(client)
            spinners.subtract(1, ordering: .relaxed)
            if stopRequested.load(ordering: .acquiring) { return .stopping }
            if arrived { return .readable }
            let spun = Int32((monotonicMicroseconds() - started) / 1000)
            timeout = max(0, timeout - spun)
        }
        while true {
            var descriptors = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeDescriptors.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed
            }
            if descriptors[1].revents != 0 { return .stopping }
            return ready == 0 ? .idle : .readable
        }
    }

    private func claimSpinnerSlot() -> Bool {
        var current = spinners.load(ordering: .relaxed)
        while current < maxSpinners {
            let (exchanged, original) = spinners.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Whether the client's socket became readable (or failed, which a read will report)
    /// within the busy-poll budget.
    private func spinUntilReadable(_ client: Int32) -> Bool {
        let deadline = monotonicMicroseconds() + UInt64(limits.busyPollMicroseconds)
        var probe: UInt8 = 0
        repeat {
            if recv(client, &probe, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0 { return true }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { return true }
            // Lets any other thread that is ready run on this core first.
            sched_yield()
        } while monotonicMicroseconds() < deadline && !stopRequested.load(ordering: .relaxed)
        return false
    }

    private func queueReload(_ reply: Reply, peer: PeerCredentials?) -> Reply {
        guard let reloads else { return .error(.notReady, "reload is not available here") }
        logger.notice("reload requested", [
            ("origin", ReloadOrigin.socket.rawValue),
            ("peer.uid", peer.map { "\($0.userID)" } ?? "unknown"),
            ("peer.pid", peer.map { "\($0.processID)" } ?? "unknown"),
        ])
        reloads.request(.socket)
        return reply
    }

    /// Writes everything or reports failure.
    @discardableResult
    private func sendAll(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        JesterSystem.sendAll(client, bytes) == nil
    }

    private func setSendTimeout(_ client: Int32) {
        var timeout = timeval(
            tv_sec: Int(limits.sendTimeout),
            tv_usec: Int((limits.sendTimeout - limits.sendTimeout.rounded(.down)) * 1e6)
        )
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
