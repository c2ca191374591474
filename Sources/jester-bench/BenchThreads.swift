import Glibc
import JesterSystem
import Synchronization

/// A POSIX thread the bench can wait for (pthread_create(3), pthread_join(3)).
///
/// JesterSystem's threads are detached; the concurrent query measurement needs to know when
/// every client is done.
final class JoinableThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private var thread = pthread_t()
    private var isJoined = false

    /// Starts a thread running `body`.
    ///
    /// - Throws: ``SystemError`` when pthread_create fails, such as for lack of resources.
    init(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            isJoined = true
            throw SystemError("pthread_create", errno: result)
        }
    }

    /// Waits for the thread to finish; later calls return at once.
    func join() {
        guard !isJoined else { return }
        pthread_join(thread, nil)
        isJoined = true
    }

    /// Waits for the thread, so none outlives the measurement that started it.
    deinit { join() }
}

/// Lets a group of threads get ready, then releases them together.
final class StartGate: Sendable {
    private let arrived = Atomic<Int>(0)
    private let opened = Atomic<Bool>(false)
    private let openedAt = Atomic<UInt64>(0)

    /// A closed gate that no thread has reached.
    init() {}

    /// Marks the calling thread ready and waits until ``open()``.
    func arriveAndWait() {
        arrived.add(1, ordering: .releasing)
        while !opened.load(ordering: .acquiring) { usleep(50) }
    }

    /// Marks a thread that will not run as arrived, so ``waitForArrivals(_:)`` does not wait
    /// for it.
    func arriveWithoutWaiting() {
        arrived.add(1, ordering: .releasing)
    }

    /// Waits until `count` threads arrived, or `timeout` seconds passed.
    func waitForArrivals(_ count: Int, timeout: Double) {
        let deadline = monotonicNanoseconds() + UInt64(timeout * 1e9)
        while arrived.load(ordering: .acquiring) < count, monotonicNanoseconds() < deadline {
            usleep(200)
        }
    }

    /// Releases every waiting thread and records when.
    func open() {
        openedAt.store(monotonicNanoseconds(), ordering: .relaxed)
        opened.store(true, ordering: .releasing)
    }

    /// When ``open()`` was called, on ``monotonicNanoseconds()``.
    var openTime: UInt64 { openedAt.load(ordering: .relaxed) }
}

/// Results handed from client threads to the thread that joins them.
final class ResultCollector<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    /// An empty collector.
    init() {}

    /// Adds one thread's result.
    func add(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    /// Every result added so far.
    var all: [Value] { values.withLock { $0 } }
}
