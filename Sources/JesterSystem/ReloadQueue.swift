import JesterCore
import Synchronization

/// What asked for a reload.
public enum ReloadOrigin: String, Sendable {
    case signal = "SIGHUP"
    case socket = "reload verb"
}

/// Reload requests from SIGHUP and the `reload` verb, handed to the daemon in order.
///
/// Counts requested and finished reloads so that `status` can show them and `jesterctl reload`
/// can wait for a reload that started after it asked.
public final class ReloadQueue: Sendable {
    /// The requests, in the order they came; the daemon runs them one at a time.
    public let requests: AsyncStream<ReloadOrigin>
    private let continuation: AsyncStream<ReloadOrigin>.Continuation
    private let state = Mutex(ReloadStatus())

    public init() {
        (requests, continuation) = AsyncStream.makeStream()
    }

    /// Queues a reload; callable from any thread, never blocks.
    public func request(_ origin: ReloadOrigin) {
        state.withLock { $0.requested += 1 }
        continuation.yield(origin)
    }

    /// Records that a reload ended, with the error that kept it from taking effect.
    public func finish(error: String?) {
        state.withLock { status in
            status.finished += 1
            status.lastError = error
        }
    }

    /// The counts so far.
    public var status: ReloadStatus { state.withLock { $0 } }
}
