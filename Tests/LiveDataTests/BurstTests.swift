import Glibc
import JesterCore
@testable import JesterSystem
import Synchronization
import Testing

/// What the querying thread saw while the burst was learned.
private final class QueryLog: Sendable {
    struct Counts {
        var queries = 0
        var versions = 0
        var lastVersion = 0
        var lastCount = 0
        var trainings: Set<Double> = []
        var problems: [String] = []
    }

    let counts = Mutex(Counts())
    let stopping = Mutex(false)
    let stopped = Mutex(false)
}

extension OneAtATime {
    @Suite struct BurstTests {
        @Test func tenThousandOneLineAppendsWhileQueryingAreAllLearned() async throws {
            let fixture = try await LiveFixture.start()
            let initial = try fixture.current().ratings.count
            let watcher = try DirectoryWatcher(path: fixture.scratch.data, retryInterval: 0.05)
            try watcher.start()
            defer { watcher.stop() }
            let service = fixture.service
            let events = watcher.events
            let forwarding = Task {
                for await event in events { await service.handle(event) }
            }

            let log = QueryLog()
            let snapshots = fixture.snapshots
            try startThread { query(snapshots, into: log) }

            let path = fixture.path(LiveFixture.prefix)
            let started = monotonicSeconds()
            let failure: String? = try await runOnDedicatedThread {
                let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
                guard descriptor >= 0 else { return "open: errno \(errno)" }
                defer { close(descriptor) }
                for index in 0..<10_000 {
                    let line = Array(ratingLine(200_000 + index / 100, index % 100 + 1, 3).utf8)
                    let written = line.withUnsafeBytes {
                        write(descriptor, $0.baseAddress, $0.count)
                    }
                    guard written == line.count else { return "write: errno \(errno)" }
                }
                return nil
            }
            #expect(failure == nil)
            let written = monotonicSeconds()

            let learned = await eventually(timeout: 90) {
                snapshots.current?.ratings.count == initial + 10_000
            }
            let finished = monotonicSeconds()
            log.stopping.withLock { $0 = true }
            _ = eventuallyBlocking(timeout: 10) { log.stopped.withLock { $0 } }
            watcher.stop()
            await forwarding.value

            #expect(learned, "ratings: \(snapshots.current?.ratings.count ?? -1)")
            let snapshot = try fixture.current()
            #expect(snapshot.live.files.allSatisfy { $0.pendingBytes == 0 })
            for user in stride(from: 200_000, to: 200_100, by: 33) {
                #expect(try fixture.storedRating(user: Int32(user), joke: 100) == 3)
            }
            // Ratings read in bulk are left to a full retrain; once it is in, the model
            // answers for every new user.
            let modelled = await eventually(timeout: 60) {
                let running = await service.retrainRunning
                return !running && (200_000..<200_100).allSatisfy {
                    snapshots.current?.predict(userID: Int32($0), jokeID: 5)?.source == "model"
                }
            }
            #expect(modelled)
            let counts = log.counts.withLock { $0 }
            #expect(counts.problems.isEmpty, "\(counts.problems.prefix(5))")
            #expect(counts.queries > 0)
            print("""
                burst: 10000 appends written in \
                \(ReplyText.fixed(written - started, decimals: 3)) s, all learned \
                \(ReplyText.fixed(finished - started, decimals: 3)) s after the first; \
                \(counts.queries) queries, \(counts.versions) snapshot versions seen, \
                \(counts.trainings.count) models seen
                """)
        }
    }
}

/// Queries the published snapshots until told to stop, noting anything wrong.
private func query(_ snapshots: SnapshotBox, into log: QueryLog) {
    var joke: Int32 = 1
    while !log.stopping.withLock({ $0 }) {
        guard let snapshot = snapshots.current else { continue }
        joke = joke % 100 + 1
        let known = snapshot.predict(userID: 5, jokeID: joke)
        let fresh = snapshot.predict(userID: 200_000 + joke, jokeID: joke)
        log.counts.withLock { counts in
            counts.queries += 1
            if snapshot.version != counts.lastVersion { counts.versions += 1 }
            if snapshot.version < counts.lastVersion {
                counts.problems.append("version \(counts.lastVersion) -> \(snapshot.version)")
            }
            if snapshot.ratings.count < counts.lastCount {
                counts.problems.append("ratings \(counts.lastCount) -> \(snapshot.ratings.count)")
            }
            for prediction in [known, fresh] {
                guard let rating = prediction?.rating, rating.isFinite,
                      (-10...10).contains(rating) else {
                    counts.problems.append("prediction \(String(describing: prediction))")
                    continue
                }
            }
            counts.lastVersion = snapshot.version
            counts.lastCount = snapshot.ratings.count
            counts.trainings.insert(snapshot.training.finishedAt)
        }
        // A client's pace, leaving the cores to the writer and the service.
        usleep(200)
    }
    log.stopped.withLock { $0 = true }
}
