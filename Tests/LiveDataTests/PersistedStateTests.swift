import JesterCore
import JesterSystem
import Testing

/// A snapshot like one jesterd publishes: a quick model on the Dataset 2 prefix, with a new
/// user and a new joke folded in, and the file positions its data was read to.
struct SavedFixture {
    let snapshot: ModelSnapshot
    let files: [PersistedFile]

    init(version: Int = 1) throws {
        let scratch = try Scratch()
        try scratch.copyData()
        let loaded = try DataDirectory(path: scratch.data).load()
        let configuration = ModelConfiguration.quick()
        let trained = configuration.train(on: loaded.ratings)
        var learner = LiveLearner(ratings: loaded.ratings, model: trained.model,
                                  settings: FoldInSettings(configuration.factor))
        learner.learn(userID: 777_777, jokeID: 5, value: 3)
        learner.addJoke(151)
        learner.learn(userID: 5, jokeID: 151, value: -2)
        let training = TrainingInfo(
            kind: .mf,
            dimension: trained.dimension,
            epochs: trained.epochs.count,
            bestEpoch: trained.bestEpoch,
            validationRMSE: trained.validationRMSE,
            trainingCount: trained.trainingCount,
            validationCount: trained.validationCount,
            seconds: 0.25,
            finishedAt: 0,
            finishedAtWallClock: 1_700_000_000
        )
        snapshot = ModelSnapshot(
            version: version,
            learner: learner,
            catalog: loaded.catalog,
            training: training,
            data: loaded.info,
            live: LiveInfo(learnedSinceRetrain: learner.learnedCount)
        )
        files = loaded.files.map {
            PersistedFile(name: $0.name, device: $0.identity.device, inode: $0.identity.inode,
                          offset: $0.offset, nextLine: $0.nextLine, size: $0.size)
        }
    }

    var bytes: [UInt8] { PersistedState(snapshot, files: files).encoded() }
}

/// Writes a little-endian 64-bit number into bytes at an offset.
private func put(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
    for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
}

struct PersistedStateTests {
    @Test func aSavedStateDecodesToTheSameRatingsModelAndPositions() throws {
        let fixture = try SavedFixture(version: 42)
        let original = fixture.snapshot
        let decoded = try PersistedState(decoding: fixture.bytes)

        #expect(decoded.snapshotVersion == 42)
        #expect(decoded.files == fixture.files)
        #expect(decoded.learnedSinceRetrain == 2)
        #expect(decoded.training == original.training)
        #expect(decoded.data.linesRead == original.data.linesRead)
        #expect(decoded.data.files == original.data.files)
        #expect(decoded.data.rejections.total == original.data.rejections.total)

        let ratings = decoded.ratings
        #expect(ratings.count == original.ratings.count)
        #expect(ratings.users.ids == original.ratings.users.ids)
        #expect(ratings.users.addedIDs == [777_777])
        #expect(ratings.jokes.ids == original.ratings.jokes.ids)
        #expect(ratings.jokes.addedIDs == [151])
        #expect(Array(ratings.byUser) == Array(original.ratings.byUser))
        #expect(ratings.jokeCounts == original.ratings.jokeCounts)
        for (mine, theirs) in zip(ratings.jokeSums, original.ratings.jokeSums) {
            #expect(abs(mine - theirs) < 1e-6)
        }
        #expect(Set(ratings.smallJokeRaters.keys) == Set(original.ratings.smallJokeRaters.keys))

        let model = decoded.model
        #expect(model.userCount == original.model.userCount)
        #expect(model.jokeCount == original.model.jokeCount)
        for user in stride(from: 0, to: model.userCount, by: 7) {
            for joke in 0..<model.jokeCount {
                #expect(model.predict(user: user, joke: joke)
                        == original.model.predict(user: user, joke: joke))
            }
        }

        // The restored store and model go on learning.
        var learner = LiveLearner(ratings: ratings, model: model,
                                  settings: FoldInSettings(FactorTrainingOptions()),
                                  learnedCount: decoded.learnedSinceRetrain)
        learner.learn(userID: 777_778, jokeID: 151, value: 5)
        let resumed = ModelSnapshot(version: 43, learner: learner, catalog: original.catalog,
                                    training: decoded.training, data: decoded.data)
        #expect(resumed.predict(userID: 777_778, jokeID: 151)?.source == "model")
        #expect(resumed.ratings.count == original.ratings.count + 1)
    }

    @Test func truncatedBytesAreRejected() throws {
        let bytes = try SavedFixture().bytes
        for length in [0, 7, 31, 32, 33, bytes.count / 2, bytes.count - 1] {
            #expect(throws: DecodingError.truncated, "\(length) bytes") {
                try PersistedState(decoding: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func aFlippedByteFailsTheChecksum() throws {
        let bytes = try SavedFixture().bytes
        for offset in [32, 33, bytes.count / 3, bytes.count - 1] {
            var damaged = bytes
            damaged[offset] ^= 0x10
            #expect(throws: DecodingError.checksumMismatch, "byte \(offset)") {
                try PersistedState(decoding: damaged)
            }
        }
    }

    @Test func aWrongMagicIsRejected() throws {
        var bytes = try SavedFixture().bytes
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: DecodingError.badMagic) { try PersistedState(decoding: bytes) }
    }

    @Test func anUnknownFormatVersionIsRejected() throws {
        var bytes = try SavedFixture().bytes
        bytes[8] = 2
        #expect(throws: DecodingError.unsupportedVersion(2)) {
            try PersistedState(decoding: bytes)
        }
    }

    @Test func trailingBytesUnderAValidChecksumAreRejected() throws {
        var bytes = try SavedFixture().bytes
        bytes.append(0)
        put(UInt64(bytes.count - 32), into: &bytes, at: 16)
        put(snapshotChecksum(bytes[32...]), into: &bytes, at: 24)
        #expect(throws: DecodingError.inconsistent("trailing bytes")) {
            try PersistedState(decoding: bytes)
        }
    }
}

struct StateStoreTests {
    private func names(in directory: String) throws -> [String] {
        try Files.list(directory)
    }

    @Test func theNewestOfTwoSavesIsLoaded() throws {
        let scratch = try Scratch()
        let store = StateStore(directory: scratch.state)
        #expect(try store.save(SavedFixture(version: 1).bytes) == "state-000000000001.jester")
        #expect(try store.save(SavedFixture(version: 2).bytes) == "state-000000000002.jester")

        let (loaded, skipped) = store.loadLatest()
        #expect(skipped.isEmpty)
        #expect(loaded?.generation == 2)
        #expect(loaded?.state.snapshotVersion == 2)
        #expect(try names(in: scratch.state) == [
            "state-000000000001.jester", "state-000000000002.jester",
        ])
    }

    @Test func aCorruptNewestStateIsSkippedForThePreviousOne() throws {
        let scratch = try Scratch()
        let store = StateStore(directory: scratch.state)
        try store.save(SavedFixture(version: 1).bytes)
        let newest = try store.save(SavedFixture(version: 2).bytes)
        var bytes = try Files.read(scratch.state + "/" + newest)
        bytes[bytes.count / 2] ^= 0xFF
        try write(scratch.state + "/" + newest, bytes)

        let (loaded, skipped) = store.loadLatest()
        #expect(loaded?.state.snapshotVersion == 1)
        #expect(loaded?.name == "state-000000000001.jester")
        #expect(skipped.map(\.name) == [newest])
        #expect(skipped.first?.reason == DecodingError.checksumMismatch.description)
        #expect(loaded?.skipped.map(\.name) == [newest])
    }

    @Test func aTruncatedNewestStateIsSkippedAndNothingValidMeansNoState() throws {
        let scratch = try Scratch()
        let store = StateStore(directory: scratch.state)
        let name = try store.save(SavedFixture().bytes)
        let bytes = try Files.read(scratch.state + "/" + name)
        try write(scratch.state + "/" + name, Array(bytes.prefix(bytes.count / 2)))

        let (loaded, skipped) = store.loadLatest()
        #expect(loaded == nil)
        #expect(skipped.map(\.name) == [name])
        #expect(skipped.first?.reason == DecodingError.truncated.description)
    }

    @Test func onlyTheTwoNewestGenerationsAreKept() throws {
        let scratch = try Scratch()
        let store = StateStore(directory: scratch.state)
        let bytes = try SavedFixture().bytes
        for _ in 1...4 { try store.save(bytes) }
        #expect(try names(in: scratch.state) == [
            "state-000000000003.jester", "state-000000000004.jester",
        ])
        #expect(store.loadLatest().loaded?.generation == 4)
    }

    @Test func aLeftoverTemporaryFileChangesNothing() throws {
        let scratch = try Scratch()
        let store = StateStore(directory: scratch.state)
        try store.save(SavedFixture(version: 1).bytes)
        try write(scratch.state + "/state.tmp", Array("half a state".utf8))
        #expect(store.loadLatest().loaded?.state.snapshotVersion == 1)
        #expect(store.loadLatest().skipped.isEmpty)

        try store.save(SavedFixture(version: 2).bytes)
        #expect(try names(in: scratch.state) == [
            "state-000000000001.jester", "state-000000000002.jester",
        ])
        #expect(store.loadLatest().loaded?.state.snapshotVersion == 2)
    }

    @Test func aMissingStateDirectoryMeansNoState() throws {
        let scratch = try Scratch()
        let (loaded, skipped) = StateStore(directory: scratch.file("absent")).loadLatest()
        #expect(loaded == nil)
        #expect(skipped.isEmpty)
    }
}
