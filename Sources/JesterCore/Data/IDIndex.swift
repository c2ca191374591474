/// A one-to-one map between original ids and dense indexes `0..<count`.
///
/// Indexes follow ascending id order, so the same ids always get the same indexes whatever
/// order they were read in. Lookups use a direct table when the ids are dense enough and a
/// binary search otherwise.
public struct IDIndex: Sendable, Equatable {
    /// The ids, ascending; `ids[index]` is the id of a dense index.
    public let ids: [Int32]
    private let table: [Int32]
    private let tableBase: Int32

    /// Builds the index of the distinct ids in `candidates`.
    public init(_ candidates: [Int32]) {
        self.init(sortedUnique: Self.sortedUnique(candidates))
    }

    /// Builds the index of ids that are already ascending and distinct.
    public init(sortedUnique ids: [Int32]) {
        self.ids = ids
        guard let first = ids.first, let last = ids.last else {
            table = []
            tableBase = 0
            return
        }
        let span = Int(last) - Int(first) + 1
        guard span <= max(1 << 16, 16 * ids.count), span <= 1 << 24 else {
            table = []
            tableBase = 0
            return
        }
        var table = [Int32](repeating: -1, count: span)
        for (index, id) in ids.enumerated() {
            table[Int(id - first)] = Int32(index)
        }
        self.table = table
        self.tableBase = first
    }

    public var count: Int { ids.count }

    /// The dense index of an id, or `nil` when the id is not in the index.
    @inline(__always)
    public func index(of id: Int32) -> Int? {
        if !table.isEmpty || ids.isEmpty {
            let offset = Int(id) - Int(tableBase)
            guard offset >= 0, offset < table.count else { return nil }
            let index = table[offset]
            return index >= 0 ? Int(index) : nil
        }
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }

    /// The distinct values of `values`, ascending.
    static func sortedUnique(_ values: [Int32]) -> [Int32] {
        guard let minimum = values.min(), let maximum = values.max() else { return [] }
        let span = Int(maximum) - Int(minimum) + 1
        if span <= max(1 << 20, 4 * values.count) {
            var seen = [Bool](repeating: false, count: span)
            for value in values { seen[Int(value - minimum)] = true }
            var result: [Int32] = []
            for offset in 0..<span where seen[offset] {
                result.append(minimum + Int32(offset))
            }
            return result
        }
        var sorted = values.sorted()
        var write = 0
        for read in sorted.indices where read == 0 || sorted[read] != sorted[read - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeSubrange(write...)
        return sorted
    }
}
