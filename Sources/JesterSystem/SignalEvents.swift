import Dispatch
import Glibc

/// Signals delivered as an async sequence, never handled in a C signal handler.
///
/// - Important: Create it first thing in `main`: each signal is ignored from that moment,
///   and one that arrives before its dispatch source is registered is lost.
public final class SignalEvents: Sendable {
    public let stream: AsyncStream<Int32>
    // DispatchSource types are not Sendable; the sources are only kept alive here and are
    // never touched after init.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    public init(_ signals: [Int32]) {
        var continuation: AsyncStream<Int32>.Continuation!
        stream = AsyncStream { continuation = $0 }
        let yield = continuation!
        let queue = DispatchQueue(label: "jesterd.signals")
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { yield.yield(number) }
            source.resume()
            sources.append(source)
        }
    }
}
