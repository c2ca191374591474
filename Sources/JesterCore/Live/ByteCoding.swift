/// Appends little-endian scalars and arrays of them to a byte buffer.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Float) { write(value.bitPattern) }
    mutating func write(_ value: Double) { write(value.bitPattern) }

    mutating func write(_ text: String) {
        let utf8 = Array(text.utf8)
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes a count, then the elements' bytes as they are in memory (little-endian hosts).
    mutating func write<Element: BitwiseCopyable>(array: [Element]) {
        write(UInt64(array.count))
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

/// Why stored bytes could not be decoded.
public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated
    case badMagic
    case unsupportedVersion(UInt32)
    case checksumMismatch
    case inconsistent(String)

    public var description: String {
        switch self {
        case .truncated: "truncated"
        case .badMagic: "not a jesterd snapshot"
        case .unsupportedVersion(let version): "unsupported format version \(version)"
        case .checksumMismatch: "checksum mismatch"
        case .inconsistent(let what): "inconsistent contents: \(what)"
        }
    }
}

/// Reads what ``ByteWriter`` wrote, checking every bound.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func read<Value: FixedWidthInteger>(_: Value.Type = Value.self) throws(DecodingError) -> Value {
        let size = MemoryLayout<Value>.size
        guard bytes.count - offset >= size else { throw .truncated }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Value.self) }
        offset += size
        return Value(littleEndian: value)
    }

    mutating func readFloat() throws(DecodingError) -> Float { Float(bitPattern: try read(UInt32.self)) }
    mutating func readDouble() throws(DecodingError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    mutating func readString() throws(DecodingError) -> String {
        let count = Int(try read(UInt32.self))
        guard bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    mutating func readArray<Element: BitwiseCopyable>(of _: Element.Type) throws(DecodingError) -> [Element] {
        let count = try read(UInt64.self)
        let stride = MemoryLayout<Element>.stride
        guard count <= UInt64(Int.max / stride), bytes.count - offset >= Int(count) * stride else {
            throw .truncated
        }
        let size = Int(count) * stride
        let array = [Element](unsafeUninitializedCapacity: Int(count)) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + size)])
                )
            }
            initialized = Int(count)
        }
        offset += size
        return array
    }
}

/// A 64-bit FNV-1a checksum taken over 8-byte little-endian words, then the tail bytes.
public func snapshotChecksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01B3
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    bytes.withUnsafeBytes { raw in
        let words = raw.count / 8
        for index in 0..<words {
            hash = (hash ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))) &* prime
        }
        for index in (words * 8)..<raw.count {
            hash = (hash ^ UInt64(raw[index])) &* prime
        }
    }
    return hash
}
