/// Ids mapped to dense indexes, growing as new ids arrive.
///
/// The ids known when it was built keep the ascending order of their ``IDIndex``; ids added
/// later get the next indexes in order of arrival. A full retrain builds a fresh directory.
public struct IDDirectory: Sendable {
    public let base: IDIndex
    private var addedIndexes: [Int32: Int32] = [:]
    public private(set) var addedIDs: [Int32] = []

    public init(_ base: IDIndex) {
        self.base = base
    }

    public var count: Int { base.count + addedIDs.count }

    @inline(__always)
    public func index(of id: Int32) -> Int? {
        if let index = base.index(of: id) { return index }
        guard !addedIDs.isEmpty, let index = addedIndexes[id] else { return nil }
        return Int(index)
    }

    public func id(at index: Int) -> Int32 {
        index < base.count ? base.ids[index] : addedIDs[index - base.count]
    }

    /// The index of `id`, adding it when it is new.
    public mutating func insert(_ id: Int32) -> (index: Int, isNew: Bool) {
        if let index = index(of: id) { return (index, false) }
        let index = count
        addedIndexes[id] = Int32(index)
        addedIDs.append(id)
        return (index, true)
    }

    /// All ids by index.
    public var ids: [Int32] { base.ids + addedIDs }
}
