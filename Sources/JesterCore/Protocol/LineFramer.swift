/// Splits a byte stream into request lines.
///
/// Lines end in LF; a CR right before the LF is dropped. A line may arrive in any number of
/// chunks: the part after the last LF of a chunk is kept until the rest arrives. A line longer
/// than ``maxLineLength`` bytes (not counting its line end) is an error the moment it is
/// known, without waiting for its end, so a client cannot make the framer hold more than
/// ``maxLineLength`` bytes.
public struct LineFramer: Sendable {
    /// What ended a call to ``feed(_:_:)`` early.
    public enum Stop: Error, Equatable, Sendable {
        /// A line is longer than the limit.
        case lineTooLong
        /// The handler asked to stop; the rest of the chunk was not read.
        case handlerStopped
    }

    public let maxLineLength: Int
    private var partial: [UInt8] = []

    public init(maxLineLength: Int = 4096) {
        self.maxLineLength = maxLineLength
    }

    /// Bytes held from an unfinished line.
    public var pendingByteCount: Int { partial.count }

    /// Feeds a chunk, calling `handle` for every complete line in order.
    ///
    /// - Parameter handle: Receives a line without its line end; returns `false` to stop.
    /// - Throws: ``Stop`` when a line is too long or `handle` stopped.
    public mutating func feed(
        _ chunk: UnsafeBufferPointer<UInt8>,
        _ handle: (UnsafeBufferPointer<UInt8>) -> Bool
    ) throws(Stop) {
        guard let base = chunk.baseAddress else { return }
        var lineStart = 0
        var index = 0
        let end = chunk.count
        while index < end {
            guard base[index] == ByteCode.lineFeed else {
                index += 1
                continue
            }
            if partial.isEmpty {
                var lineEnd = index
                if lineEnd > lineStart, base[lineEnd - 1] == ByteCode.carriageReturn { lineEnd -= 1 }
                guard lineEnd - lineStart <= maxLineLength else { throw .lineTooLong }
                guard handle(UnsafeBufferPointer(start: base + lineStart, count: lineEnd - lineStart))
                else { throw .handlerStopped }
            } else {
                partial.append(contentsOf: UnsafeBufferPointer(start: base + lineStart, count: index - lineStart))
                if partial.last == ByteCode.carriageReturn { partial.removeLast() }
                guard partial.count <= maxLineLength else { throw .lineTooLong }
                let keepGoing = partial.withUnsafeBufferPointer(handle)
                partial.removeAll(keepingCapacity: true)
                guard keepGoing else { throw .handlerStopped }
            }
            index += 1
            lineStart = index
        }
        if lineStart < end {
            partial.append(contentsOf: UnsafeBufferPointer(start: base + lineStart, count: end - lineStart))
            // One byte of slack, for a CR that may yet be followed by its LF.
            guard partial.count <= maxLineLength
                || (partial.count == maxLineLength + 1 && partial.last == ByteCode.carriageReturn)
            else { throw .lineTooLong }
        }
    }

    /// Feeds bytes held in an array; see ``feed(_:_:)``.
    public mutating func feed(_ bytes: [UInt8], _ handle: (UnsafeBufferPointer<UInt8>) -> Bool) throws(Stop) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Stop) in try feed(buffer, handle) }
    }
}
