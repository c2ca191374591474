import JesterCore

/// Request lines with varied ids, ready to send.
struct RequestPool: Sendable {
    /// The code every line of a reply starts with, such as `200`.
    let replyCode: String
    /// Lines per reply, the last included; `nil` when it varies from request to request.
    let replyLines: Int?
    /// Each request with its line feed.
    let requests: [[UInt8]]
    /// The ids of each request: the user (or `nil` for `similar`) and the joke.
    let ids: [(user: Int32?, joke: Int32)]

    /// `predict U J` for users and rated jokes drawn at random from the served ratings.
    static func predictions(_ ratings: RatingSet, count: Int, seed: UInt64) -> RequestPool {
        var generator = SeededGenerator(seed: seed)
        let users = ratings.users.ids
        let jokes = ratedJokes(ratings)
        var requests: [[UInt8]] = []
        var ids: [(user: Int32?, joke: Int32)] = []
        for _ in 0..<count {
            let user = users[generator.nextIndex(below: users.count)]
            let joke = jokes[generator.nextIndex(below: jokes.count)]
            requests.append(Array("predict \(user) \(joke)\n".utf8))
            ids.append((user, joke))
        }
        return RequestPool(replyCode: "200", replyLines: 1, requests: requests, ids: ids)
    }

    /// `similar J 3` for rated jokes drawn at random from the served ratings.
    static func similarities(_ ratings: RatingSet, count: Int, seed: UInt64) -> RequestPool {
        var generator = SeededGenerator(seed: seed)
        let jokes = ratedJokes(ratings)
        var requests: [[UInt8]] = []
        var ids: [(user: Int32?, joke: Int32)] = []
        for _ in 0..<count {
            let joke = jokes[generator.nextIndex(below: jokes.count)]
            requests.append(Array("similar \(joke) 3\n".utf8))
            ids.append((nil, joke))
        }
        // Three neighbours and the closing count line, when the model has three candidates.
        let candidates = min(3, max(0, jokes.count - 1))
        return RequestPool(
            replyCode: "201",
            replyLines: candidates + 1,
            requests: requests,
            ids: ids
        )
    }

    /// `size` consecutive requests of the pool in one buffer, starting at request `first`.
    func batch(startingAt first: Int, size: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for offset in 0..<size { bytes += requests[(first + offset) % requests.count] }
        return bytes
    }

    /// `recommend U 10` for users drawn at random from the served ratings.
    static func recommendations(_ ratings: RatingSet, count: Int, seed: UInt64) -> RequestPool {
        var generator = SeededGenerator(seed: seed)
        let users = ratings.users.ids
        let requests = (0..<count).map { _ in
            Array("recommend \(users[generator.nextIndex(below: users.count)]) 10\n".utf8)
        }
        return RequestPool(replyCode: "201", replyLines: nil, requests: requests, ids: [])
    }

    /// `explain U J` for users and rated jokes drawn at random from the served ratings.
    static func explanations(_ ratings: RatingSet, count: Int, seed: UInt64) -> RequestPool {
        let predictions = predictions(ratings, count: count, seed: seed)
        let requests = predictions.ids.map { Array("explain \($0.user ?? 0) \($0.joke)\n".utf8) }
        return RequestPool(replyCode: "200", replyLines: nil, requests: requests, ids: [])
    }

    /// `onboard 10`, the same request every time.
    static func onboarding() -> RequestPool {
        RequestPool(replyCode: "201", replyLines: nil, requests: [Array("onboard 10\n".utf8)],
                    ids: [])
    }

    /// A scanner for this pool's replies.
    func makeScanner() -> ReplyScanner {
        ReplyScanner(code: replyCode, lines: replyLines)
    }

    private static func ratedJokes(_ ratings: RatingSet) -> [Int32] {
        ratings.jokes.ids.indices
            .filter { ratings.jokeCounts[$0] > 0 }
            .map { ratings.jokes.ids[$0] }
    }
}

/// What one client loop did.
struct QueryRun: Sendable {
    /// Requests answered with a whole reply.
    var requests = 0
    /// Replies with a wrong code or line count.
    var badReplies = 0
    /// Whether the loop ended early on a connection error or a reply timeout.
    var connectionFailed = false
    /// Round-trip seconds of each request, or of each batch when pipelining.
    var latencies: [Double] = []
    /// When the loop started and ended, on ``monotonicNanoseconds()``.
    var startTime: UInt64 = 0
    var endTime: UInt64 = 0

    /// Wall time from the first request to the last reply.
    var seconds: Double { Double(endTime &- startTime) / 1e9 }

    /// Requests answered per second of the loop's wall time.
    var requestsPerSecond: Double { Double(requests) / seconds }
}

/// The request loops. Each is bounded by a request count and a deadline and stops on its own.
enum QueryLoad {
    /// Sends one request, waits for its whole reply, and repeats.
    ///
    /// - Parameters:
    ///   - first: The pool index to start at, so concurrent clients send different requests.
    ///   - limit: The most requests to send.
    ///   - deadline: When to stop, on ``monotonicNanoseconds()``.
    static func sequential(
        _ connection: BenchConnection,
        pool: RequestPool,
        first: Int,
        limit: Int,
        deadline: UInt64
    ) -> QueryRun {
        var run = QueryRun()
        run.latencies.reserveCapacity(limit)
        var scanner = pool.makeScanner()
        run.startTime = monotonicNanoseconds()
        var now = run.startTime
        while run.requests < limit, now < deadline {
            let request = pool.requests[(first + run.requests) % pool.requests.count]
            guard connection.send(request),
                  connection.receive(untilReplies: run.requests + 1, scanner: &scanner)
            else {
                run.connectionFailed = true
                break
            }
            let finished = monotonicNanoseconds()
            run.latencies.append(Double(finished &- now) / 1e9)
            run.requests += 1
            now = finished
        }
        run.endTime = now
        run.badReplies = scanner.badReplies
        return run
    }

    /// Sends batches of requests in one write each and reads all of a batch's replies before
    /// sending the next.
    static func pipelined(
        _ connection: BenchConnection,
        batches: [[UInt8]],
        batchSize: Int,
        pool: RequestPool,
        limit: Int,
        deadline: UInt64
    ) -> QueryRun {
        var run = QueryRun()
        var scanner = pool.makeScanner()
        var batchIndex = 0
        run.startTime = monotonicNanoseconds()
        var now = run.startTime
        while run.requests + batchSize <= limit, now < deadline {
            guard connection.send(batches[batchIndex % batches.count]),
                  connection.receive(untilReplies: run.requests + batchSize, scanner: &scanner)
            else {
                run.connectionFailed = true
                break
            }
            let finished = monotonicNanoseconds()
            run.latencies.append(Double(finished &- now) / 1e9)
            run.requests += batchSize
            batchIndex += 1
            now = finished
        }
        run.endTime = now
        run.badReplies = scanner.badReplies
        return run
    }
}
