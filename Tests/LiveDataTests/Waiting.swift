import Glibc
import JesterSystem

/// Checks `condition` every couple of milliseconds until it holds or `timeout` seconds pass.
///
/// - Returns: Whether the condition held in time.
func eventually(
    timeout: Double = 10,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if try await condition() { return true }
        if monotonicSeconds() > deadline { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
}

/// The blocking form of ``eventually(timeout:_:)``, for code on plain threads.
func eventuallyBlocking(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if try condition() { return true }
        if monotonicSeconds() > deadline { return false }
        usleep(2_000)
    }
}

/// Records every event a watcher reports and lets a test await the one it expects.
actor EventRecorder {
    private struct Waiter {
        var id: Int
        var start: Int
        var predicate: @Sendable (WatchEvent) -> Bool
        var continuation: CheckedContinuation<Int?, Never>
    }

    private(set) var events: [WatchEvent] = []
    private var waiters: [Waiter] = []
    private var nextID = 0

    /// Starts recording the watcher's events until its stream finishes.
    static func recording(_ watcher: DirectoryWatcher) -> EventRecorder {
        let recorder = EventRecorder()
        let stream = watcher.events
        Task {
            for await event in stream { await recorder.record(event) }
        }
        return recorder
    }

    /// The position of the first event at or after `start` that matches, waiting at most
    /// `timeout` seconds for it to arrive; `nil` when none did.
    func first(
        from start: Int = 0,
        timeout: Double = 5,
        where predicate: @escaping @Sendable (WatchEvent) -> Bool
    ) async -> Int? {
        if start < events.count, let index = events[start...].firstIndex(where: predicate) {
            return index
        }
        let id = nextID
        nextID += 1
        return await withCheckedContinuation { continuation in
            waiters.append(Waiter(id: id, start: start, predicate: predicate,
                                  continuation: continuation))
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                self.expire(id)
            }
        }
    }

    /// Waits for exactly `event`.
    func first(_ event: WatchEvent, from start: Int = 0, timeout: Double = 5) async -> Int? {
        await first(from: start, timeout: timeout) { $0 == event }
    }

    private func record(_ event: WatchEvent) {
        events.append(event)
        let index = events.count - 1
        var remaining: [Waiter] = []
        for waiter in waiters {
            if index >= waiter.start && waiter.predicate(event) {
                waiter.continuation.resume(returning: index)
            } else {
                remaining.append(waiter)
            }
        }
        waiters = remaining
    }

    private func expire(_ id: Int) {
        guard let position = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: position).continuation.resume(returning: nil)
    }
}
