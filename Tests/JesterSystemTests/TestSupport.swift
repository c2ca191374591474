import Foundation
import Glibc
import JesterCore
import JesterSystem

/// A fresh directory under /tmp with a short name, so socket paths in it fit `sun_path`.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/jst-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else { throw SystemError("mkdtemp", errno: errno) }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws {
        try write(name, Array(text.utf8))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        guard FileManager.default.createFile(atPath: file(name), contents: Data(bytes)) else {
            throw SystemError("creat", errno: errno, subject: file(name))
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Waits for `condition` to hold, checking every few milliseconds until `timeout` seconds pass.
///
/// - Returns: Whether the condition held in time.
func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if condition() { return true }
        if monotonicSeconds() > deadline { return false }
        usleep(5_000)
    }
}

/// What went wrong in a test connection.
struct ConnectionFailure: Error, CustomStringConvertible {
    var description: String
}

/// A raw client connection that sends bytes and reads replies with deadlines.
final class TestConnection {
    let descriptor: Int32
    private var reader = ReplyReader()
    private var pending: [[ReceivedLine]] = []

    init(path: String) throws {
        descriptor = try connectUnixSocket(path)
    }

    deinit { close() }

    private var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(descriptor)
    }

    /// Sends every byte; returns false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset,
                           Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads up to 64 KiB, waiting at most until `deadline`; an empty array means EOF.
    func readChunk(until deadline: Double) throws -> [UInt8] {
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw ConnectionFailure(description: "no bytes in time") }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 1, Int32(left * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, 0)
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == ECONNRESET { return [] }
            guard count >= 0 else {
                throw ConnectionFailure(description: "recv: \(String(cString: strerror(errno)))")
            }
            return Array(buffer[..<count])
        }
    }

    /// Reads the next `count` whole replies.
    func replies(_ count: Int, timeout: Double = 10) throws -> [[ReceivedLine]] {
        let deadline = monotonicSeconds() + timeout
        while pending.count < count {
            let chunk = try readChunk(until: deadline)
            guard !chunk.isEmpty else {
                throw ConnectionFailure(
                    description: "EOF after \(pending.count) of \(count) replies")
            }
            pending += try reader.feed(chunk)
        }
        let result = Array(pending.prefix(count))
        pending.removeFirst(count)
        return result
    }

    func reply(timeout: Double = 10) throws -> [ReceivedLine] {
        try replies(1, timeout: timeout)[0]
    }

    /// Reads until the server closes the connection and returns everything read.
    func readToEnd(timeout: Double = 10) throws -> [UInt8] {
        let deadline = monotonicSeconds() + timeout
        var bytes: [UInt8] = []
        while true {
            let chunk = try readChunk(until: deadline)
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
    }
}

extension ReceivedLine {
    /// The `key=value` fields of the line.
    var fields: [String: String] {
        var result: [String: String] = [:]
        for field in ReplyText.parseFields(payload[...]) ?? [] { result[field.key] = field.value }
        return result
    }
}

/// A small model: 24 users, 8 jokes with texts, a four-factor model trained for a few epochs.
enum SmallModel {
    static let jokeIDs: [Int32] = Array(1...8)

    static let snapshot: ModelSnapshot = {
        var columns = RatingColumns()
        for user in Int32(1)...24 {
            for joke in jokeIDs where (user + joke) % 4 != 0 {
                let value = Float((user * 7 + joke * 5) % 21 - 10)
                columns.append(user: user, joke: joke, value: value)
            }
        }
        let ratings = RatingSet(columns)
        var options = FactorTrainingOptions()
        options.factors = 4
        options.maxEpochs = 3
        let outcome = FactorTrainer(options: options).train(on: ratings)
        let texts = Dictionary(uniqueKeysWithValues: jokeIDs.map { ($0, "Joke number \($0).") })
        let training = TrainingInfo(
            kind: .mf,
            dimension: outcome.model.factors,
            epochs: outcome.epochs.count,
            bestEpoch: outcome.bestEpoch,
            validationRMSE: outcome.validationRMSE,
            trainingCount: outcome.trainingCount,
            validationCount: outcome.validationCount,
            seconds: 0.01,
            finishedAt: monotonicSeconds()
        )
        return ModelSnapshot(
            version: 1,
            model: outcome.model,
            ratings: ratings,
            catalog: JokeCatalog(texts: texts),
            training: training,
            data: DataInfo(files: 1, linesRead: columns.count, rejections: RejectionTally())
        )
    }()
}

/// A QueryServer listening in a temporary directory, for one test.
final class ServerFixture {
    let directory: TemporaryDirectory
    let socketPath: String
    let snapshots = SnapshotBox()
    let server: QueryServer

    init(limits: ServerLimits = ServerLimits(), publish: Bool = true) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.file("q.sock")
        let listener = try UnixListener(path: socketPath)
        let started = monotonicSeconds()
        server = try QueryServer(
            listener: listener,
            limits: limits,
            snapshots: snapshots,
            logger: Logger(identifier: "test", threshold: .critical)
        ) {
            QueryContext(now: monotonicSeconds(), startedAt: started, daemonVersion: "9.9.9",
                         phase: "")
        }
        if publish {
            snapshots.publish(SmallModel.snapshot)
            snapshots.setPhase("ready")
        }
        try server.start()
    }

    func connect() throws -> TestConnection { try TestConnection(path: socketPath) }

    deinit { server.stop() }
}
