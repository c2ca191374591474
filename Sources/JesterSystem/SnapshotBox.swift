import JesterCore
import Synchronization

/// The published model, shared by the model service (writer) and connection threads (readers).
///
/// A reader takes the lock only to copy out a reference; it never waits on training.
public final class SnapshotBox: Sendable {
    private struct State {
        var snapshot: ModelSnapshot?
        var phase = "loading"
    }

    private let state = Mutex(State())

    public init() {}

    /// The current snapshot, or `nil` before the first model.
    public var current: ModelSnapshot? { state.withLock { $0.snapshot } }

    /// Both at once, consistently.
    public func read() -> (snapshot: ModelSnapshot?, phase: String) {
        state.withLock { ($0.snapshot, $0.phase) }
    }

    public func publish(_ snapshot: ModelSnapshot) {
        state.withLock { $0.snapshot = snapshot }
    }

    public func setPhase(_ phase: String) {
        state.withLock { $0.phase = phase }
    }
}
