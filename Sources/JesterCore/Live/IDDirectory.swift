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

    /// A directory whose first `baseCount` ids are ascending and the rest were added later.
    init(ids: [Int32], baseCount: Int) throws(DecodingError) {
        let baseIDs = Array(ids[0..<baseCount])
        guard zip(baseIDs, baseIDs.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .inconsistent("base ids not ascending")
        }
        base = IDIndex(sortedUnique: baseIDs)
        for id in ids[baseCount...] {
            guard index(of: id) == nil else { throw .inconsistent("duplicate id \(id)") }
            addedIndexes[id] = Int32(count)
            addedIDs.append(id)
        }
    }

    func write(to writer: inout ByteWriter) {
        writer.write(UInt64(base.count))
        writer.write(array: ids)
    }

    init(reading reader: inout ByteReader) throws(DecodingError) {
        let baseCount = Int(try reader.read(UInt64.self))
        let ids = try reader.readArray(of: Int32.self)
        guard baseCount <= ids.count else { throw .inconsistent("base count beyond ids") }
        try self.init(ids: ids, baseCount: baseCount)
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
