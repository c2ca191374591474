import Glibc
import JesterCore
@testable import JesterSystem
import Testing

extension ModelConfiguration {
    /// The `mf` model trained for `epochs` epochs (enough to rank, quick to train), or
    /// another kind.
    static func quick(epochs: Int = 3, kind: ModelKind = .mf) -> ModelConfiguration {
        var configuration = ModelConfiguration()
        configuration.kind = kind
        configuration.factor.maxEpochs = epochs
        return configuration
    }
}

/// Log lines from in-process services go to standard error only when asked for, with
/// `LIVE_TEST_LOG=debug` and the like.
let testLogger = Logger(
    identifier: "live-test",
    threshold: getenv("LIVE_TEST_LOG").flatMap { LogLevel(name: String(cString: $0)) }
        ?? .critical
)

/// A LiveService started on a temporary copy of the repository's data.
struct LiveFixture {
    let scratch: Scratch
    let service: LiveService
    let snapshots: SnapshotBox

    static let prefix = "ratings-ds2-prefix.dat"

    /// Copies the data (unless `scratch` already holds it) and starts a service on it.
    static func start(
        scratch: Scratch? = nil,
        configuration: ModelConfiguration = .quick(),
        settings: LiveSettings = LiveSettings(),
        savingState: Bool = false,
        onEpoch: @escaping @Sendable () -> Void = {}
    ) async throws -> LiveFixture {
        let scratch = try scratch ?? {
            let fresh = try Scratch()
            try fresh.copyData()
            return fresh
        }()
        let snapshots = SnapshotBox()
        let service = LiveService(
            directory: DataDirectory(path: scratch.data),
            stateDirectory: savingState ? scratch.state : nil,
            configuration: configuration,
            settings: settings,
            snapshots: snapshots,
            logger: testLogger,
            onEpoch: onEpoch
        )
        try await service.start()
        return LiveFixture(scratch: scratch, service: service, snapshots: snapshots)
    }

    /// The published snapshot; the service always has one once started.
    func current() throws -> ModelSnapshot {
        try #require(snapshots.current)
    }

    func path(_ name: String) -> String { scratch.data + "/" + name }

    /// Appends text to a data file and tells the service, as the watcher would.
    func feed(_ name: String, _ text: String) async throws {
        try append(path(name), text)
        await service.handle(.changed(name))
    }

    /// The rating the store holds for a pair of ids, if any.
    func storedRating(user: Int32, joke: Int32) throws -> Float? {
        let ratings = try current().ratings
        guard let userIndex = ratings.users.index(of: user),
              let jokeIndex = ratings.jokes.index(of: joke) else { return nil }
        return ratings.rating(user: userIndex, joke: jokeIndex)
    }
}
