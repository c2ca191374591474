import Glibc

/// Nanoseconds on the monotonic clock (clock_gettime(2), CLOCK_MONOTONIC).
///
/// The integer form keeps per-request timestamps cheap and exact; seconds come from
/// ``seconds(from:to:)``.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// The seconds between two readings of ``monotonicNanoseconds()``.
@inline(__always)
func seconds(from start: UInt64, to end: UInt64) -> Double {
    Double(end &- start) / 1e9
}

/// Runs `work` once and returns its result with the wall time it took, in seconds.
func timed<Value>(_ work: () throws -> Value) rethrows -> (value: Value, seconds: Double) {
    let start = monotonicNanoseconds()
    let value = try work()
    return (value, seconds(from: start, to: monotonicNanoseconds()))
}

/// Repeated measurements of one quantity, kept sorted for order statistics.
///
/// An empty set answers `nan` to every statistic, which the report prints as `n/a`.
struct Samples: Sendable {
    /// The measurements, ascending.
    let sorted: [Double]

    /// Sorts the measurements once.
    init(_ values: [Double]) {
        sorted = values.sorted()
    }

    /// How many measurements there are.
    var count: Int { sorted.count }

    /// The smallest measurement: the best for a time, the worst for a rate.
    var minimum: Double { sorted.first ?? .nan }

    /// The largest measurement.
    var maximum: Double { sorted.last ?? .nan }

    /// The middle value, or the mean of the two middle values for an even count.
    var median: Double {
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The nearest-rank percentile: the smallest value at or above `fraction` of the samples.
    ///
    /// - Parameter fraction: From 0 to 1, such as 0.99 for p99.
    func percentile(_ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Every measurement multiplied by `factor`, such as 1000 for seconds to milliseconds.
    func scaled(by factor: Double) -> Samples {
        Samples(sorted.map { $0 * factor })
    }
}
