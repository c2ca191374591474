import JesterCore
import JesterSystem

/// A QueryServer in this process, serving one snapshot on a Unix socket, as jesterd wires it.
final class QueryHarness {
    /// The path the server's socket is bound to.
    let socketPath: String
    private let server: QueryServer

    /// Binds `socketPath`, publishes `snapshot` and starts accepting connections.
    ///
    /// - Throws: ``SocketError`` when the socket cannot be bound, ``SystemError`` when the
    ///   server cannot start.
    init(snapshot: ModelSnapshot, socketPath: String) throws {
        let started = monotonicSeconds()
        let listener = try UnixListener(path: socketPath, mode: 0o600)

        let snapshots = SnapshotBox()
        snapshots.publish(snapshot)
        snapshots.setPhase("ready")

        let server: QueryServer
        do {
            server = try QueryServer(
                listener: listener,
                limits: ServerLimits(),
                snapshots: snapshots,
                logger: Logger(identifier: "jester-bench", threshold: .error)
            ) {
                QueryContext(
                    now: monotonicSeconds(),
                    startedAt: started,
                    daemonVersion: "bench",
                    phase: ""
                )
            }
            try server.start()
        } catch {
            listener.close()
            throw error
        }
        self.server = server
        self.socketPath = socketPath
    }

    /// Stops the server and removes the socket path.
    func stop() {
        server.stop()
    }
}

/// Checks of reply content, beyond the code and line count the request loops check.
enum ReplyContentCheck {
    /// Sends the first `count` requests of the pool in one write and checks every reply.
    ///
    /// - Returns: What was wrong with the first bad reply, or `nil` when all are right.
    static func verify(_ connection: BenchConnection, pool: RequestPool, count: Int) -> String? {
        precondition(!pool.ids.isEmpty, "content checks need the ids behind each request")
        guard connection.send(pool.batch(startingAt: 0, size: count)),
              let bytes = connection.receiveBytes(
                  replies: count,
                  code: pool.replyCode,
                  lines: pool.replyLines
              )
        else { return "the connection failed before \(count) replies arrived" }

        var reader = ReplyReader()
        guard let replies = try? reader.feed(bytes), replies.count == count else {
            return "the replies do not read as \(count) protocol replies"
        }
        for (index, reply) in replies.enumerated() {
            let ids = pool.ids[index % pool.ids.count]
            let problem = ids.user.map { predictionProblem(reply, user: $0, joke: ids.joke) }
                ?? similarProblem(reply, joke: ids.joke, lines: pool.replyLines ?? reply.count)
            if let problem { return "reply \(index + 1): \(problem)" }
        }
        return nil
    }

    private static func predictionProblem(
        _ reply: [ReceivedLine],
        user: Int32,
        joke: Int32
    ) -> String? {
        guard reply.count == 1, reply[0].code == 200 else { return "not one line with code 200" }
        guard let values = fields(reply[0]) else { return "fields do not parse" }
        guard values["user"] == "\(user)", values["joke"] == "\(joke)" else {
            return "asked user \(user) joke \(joke), answered \(reply[0].payload)"
        }
        guard let rating = Double(values["rating"] ?? ""), (-10...10).contains(rating) else {
            return "rating missing or off the scale"
        }
        guard values["source"] == "model" else {
            return "source \(values["source"] ?? "missing") for a known user and rated joke"
        }
        return nil
    }

    private static func similarProblem(
        _ reply: [ReceivedLine],
        joke: Int32,
        lines: Int
    ) -> String? {
        guard reply.count == lines, reply.allSatisfy({ $0.code == 201 }) else {
            return "not \(lines) lines with code 201"
        }
        for line in reply.dropLast() {
            guard let values = fields(line), let neighbour = values["joke"], values["score"] != nil
            else { return "a neighbour line lacks joke or score" }
            guard neighbour != "\(joke)" else { return "a joke listed as similar to itself" }
        }
        guard let closing = fields(reply[reply.count - 1]),
              closing["count"] == "\(lines - 1)", closing["joke"] == "\(joke)"
        else { return "the closing line does not give the count and the joke" }
        return nil
    }

    private static func fields(_ line: ReceivedLine) -> [String: String]? {
        guard let fields = ReplyText.parseFields(line.payload[...]) else { return nil }
        let pairs = fields.map { ($0.key, $0.value) }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }
}
