import Glibc

private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a detached POSIX thread running `body` (pthread_create(3)).
///
/// Used for work that must not occupy Swift's cooperative pool: blocking socket I/O and
/// long training runs.
public func startThread(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { raw in
        let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
        body.run()
        return nil
    }, box)
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        throw SystemError("pthread_create", errno: result)
    }
}

/// Runs blocking work on a thread of its own and returns its result to the awaiting task.
public func runOnDedicatedThread<Value: Sendable>(
    _ work: @escaping @Sendable () -> Value
) async throws(SystemError) -> Value {
    var failure: SystemError?
    let value: Value? = await withCheckedContinuation { continuation in
        do throws(SystemError) {
            try startThread { continuation.resume(returning: work()) }
        } catch {
            failure = error
            continuation.resume(returning: nil)
        }
    }
    if let failure { throw failure }
    return value!
}
