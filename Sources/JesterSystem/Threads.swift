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

/// The processors this process may run on: its affinity mask (`Cpus_allowed` in
/// /proc/self/status, which cpusets and systemd's CPUAffinity= narrow), or the processors
/// online when the mask cannot be read.
public func usableProcessorCount() -> Int {
    let online = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    guard let status = try? Files.read("/proc/self/status") else { return online }
    return usableProcessorCount(status: String(decoding: status, as: UTF8.self), online: online)
}

/// The processors allowed by the `Cpus_allowed` hex mask of a /proc status text, at most
/// `online`; `online` when the text has no such mask.
public func usableProcessorCount(status: String, online: Int) -> Int {
    for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
        let bits = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
            count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return bits > 0 ? min(bits, online) : online
    }
    return online
}
