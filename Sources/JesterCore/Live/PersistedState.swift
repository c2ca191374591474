/// How far one ratings file had been learned when a state was saved.
public struct PersistedFile: Sendable, Equatable {
    public var name: String
    public var device: UInt64
    public var inode: UInt64
    public var offset: Int
    public var nextLine: Int
    public var size: Int
    /// The file's first bytes as last read.
    public var prefix: [UInt8]

    public init(name: String, device: UInt64, inode: UInt64, offset: Int, nextLine: Int, size: Int,
                prefix: [UInt8] = []) {
        self.prefix = prefix
        self.name = name
        self.device = device
        self.inode = inode
        self.offset = offset
        self.nextLine = nextLine
        self.size = size
    }
}

/// Everything jesterd needs to serve again without retraining: the model, every rating it
/// covers and how far each ratings file had been read.
///
/// The encoding is versioned and checksummed: a 32-byte header (magic `JESTSNAP`, format
/// version, payload length, checksum of the payload) and the payload. Numbers are
/// little-endian.
public struct PersistedState: Sendable {
    public static let magic: [UInt8] = Array("JESTSNAP".utf8)
    public static let formatVersion: UInt32 = 1
    static let headerSize = 32

    public var snapshotVersion: Int
    public var training: TrainingInfo
    public var data: DataInfo
    public var learnedSinceRetrain: Int
    public var files: [PersistedFile]
    /// The live rating store, indexes and all.
    public var ratings: LiveRatings
    /// The model; its rows are the first users and jokes of `ratings`.
    public var model: any RatingModel

    /// Captures a published snapshot with the file positions it covers.
    public init(_ snapshot: ModelSnapshot, files: [PersistedFile]) {
        snapshotVersion = snapshot.version
        training = snapshot.training
        data = snapshot.data
        learnedSinceRetrain = snapshot.live.learnedSinceRetrain
        self.files = files
        ratings = snapshot.ratings
        model = snapshot.model
    }

    /// The encoded bytes, header first.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: ratings.count * 8 + ratings.users.count * 140 + 4096)
        writer.write(UInt64(snapshotVersion))
        writeTraining(&writer)
        writeData(&writer)
        writer.write(UInt64(learnedSinceRetrain))
        writer.write(UInt32(files.count))
        for file in files {
            writer.write(file.name)
            writer.write(file.device)
            writer.write(file.inode)
            writer.write(UInt64(file.offset))
            writer.write(UInt64(file.nextLine))
            writer.write(UInt64(file.size))
            writer.write(array: file.prefix)
        }
        ratings.write(to: &writer)
        ModelCoding.write(model, to: &writer)

        let payload = writer.bytes
        var header = ByteWriter(capacity: Self.headerSize + payload.count)
        for byte in Self.magic { header.write(byte) }
        header.write(Self.formatVersion)
        header.write(UInt32(0))
        header.write(UInt64(payload.count))
        header.write(snapshotChecksum(payload[...]))
        var bytes = header.bytes
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Decodes bytes written by ``encoded()``, checking magic, version, length and checksum.
    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count >= Self.headerSize else { throw .truncated }
        guard Array(bytes[0..<8]) == Self.magic else { throw .badMagic }
        var header = ByteReader(bytes, offset: 8)
        let version = try header.read(UInt32.self)
        guard version == Self.formatVersion else { throw .unsupportedVersion(version) }
        _ = try header.read(UInt32.self)
        let length = try header.read(UInt64.self)
        let checksum = try header.read(UInt64.self)
        guard UInt64(bytes.count - Self.headerSize) == length else { throw .truncated }
        guard snapshotChecksum(bytes[Self.headerSize...]) == checksum else { throw .checksumMismatch }

        var reader = ByteReader(bytes, offset: Self.headerSize)
        snapshotVersion = Int(try reader.read(UInt64.self))
        training = try Self.readTraining(&reader)
        data = try Self.readData(&reader)
        learnedSinceRetrain = Int(try reader.read(UInt64.self))
        let fileCount = try reader.read(UInt32.self)
        files = []
        for _ in 0..<fileCount {
            files.append(PersistedFile(
                name: try reader.readString(),
                device: try reader.read(UInt64.self),
                inode: try reader.read(UInt64.self),
                offset: Int(try reader.read(UInt64.self)),
                nextLine: Int(try reader.read(UInt64.self)),
                size: Int(try reader.read(UInt64.self)),
                prefix: try reader.readArray(of: UInt8.self)
            ))
        }
        ratings = try LiveRatings(reading: &reader)
        model = try ModelCoding.read(&reader)
        guard model.userCount <= ratings.users.count, model.jokeCount <= ratings.jokes.count else {
            throw .inconsistent("model rows beyond the rating store")
        }
        guard reader.isAtEnd else { throw .inconsistent("trailing bytes") }
    }

    private func writeTraining(_ writer: inout ByteWriter) {
        writer.write(ModelCoding.code(of: training.kind))
        writer.write(UInt32(training.dimension))
        writer.write(UInt32(training.epochs))
        writer.write(UInt32(training.bestEpoch))
        writer.write(training.validationRMSE ?? .nan)
        writer.write(UInt64(training.trainingCount))
        writer.write(UInt64(training.validationCount))
        writer.write(training.seconds)
        writer.write(training.finishedAtWallClock)
    }

    private static func readTraining(_ reader: inout ByteReader) throws(DecodingError) -> TrainingInfo {
        let kind = ModelCoding.kind(ofCode: try reader.read(UInt8.self))
        let dimension = Int(try reader.read(UInt32.self))
        let epochs = Int(try reader.read(UInt32.self))
        let bestEpoch = Int(try reader.read(UInt32.self))
        let rmse = try reader.readDouble()
        return TrainingInfo(
            kind: kind,
            dimension: dimension,
            epochs: epochs,
            bestEpoch: bestEpoch,
            validationRMSE: rmse.isNaN ? nil : rmse,
            trainingCount: Int(try reader.read(UInt64.self)),
            validationCount: Int(try reader.read(UInt64.self)),
            seconds: try reader.readDouble(),
            finishedAt: 0,
            finishedAtWallClock: try reader.readDouble()
        )
    }

    private func writeData(_ writer: inout ByteWriter) {
        writer.write(UInt32(data.files))
        writer.write(UInt64(data.linesRead))
        writer.write(UInt64(data.replacedRatings))
        writer.write(UInt32(RejectionReason.allCases.count))
        for reason in RejectionReason.allCases { writer.write(UInt64(data.rejections.count(of: reason))) }
    }

    private static func readData(_ reader: inout ByteReader) throws(DecodingError) -> DataInfo {
        let files = Int(try reader.read(UInt32.self))
        let lines = Int(try reader.read(UInt64.self))
        let replaced = Int(try reader.read(UInt64.self))
        let reasons = Int(try reader.read(UInt32.self))
        var tally = RejectionTally(sampleLimit: 0)
        for index in 0..<reasons {
            let count = try reader.read(UInt64.self)
            guard let reason = RejectionReason(rawValue: index) else { continue }
            tally.add(reason, count: Int(count))
        }
        return DataInfo(files: files, linesRead: lines, rejections: tally, replacedRatings: replaced)
    }
}
