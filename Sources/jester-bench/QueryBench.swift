import JesterCore

/// One query figure over its rounds.
struct QueryMeasurement {
    /// What was measured, as the table prints it.
    let name: String
    /// Requests per second of each round.
    let rates: Samples
    /// Round trips in seconds: of each request, or of each batch when pipelining.
    let latencies: Samples
    /// Requests answered over all rounds, warm-up excluded.
    let requests: Int
    /// Replies with a wrong code or line count.
    let badReplies: Int
    /// Client loops that ended on a connection error or a reply timeout.
    let failedLoops: Int

    /// Combines the runs of several rounds; `roundRates` holds each round's requests per second.
    init(name: String, runs: [QueryRun], roundRates: [Double]) {
        self.name = name
        rates = Samples(roundRates)
        latencies = Samples(runs.flatMap(\.latencies))
        requests = runs.reduce(0) { $0 + $1.requests }
        badReplies = runs.reduce(0) { $0 + $1.badReplies }
        failedLoops = runs.filter(\.connectionFailed).count
    }
}

/// What the query section found: the content checks and the measurements.
struct QueryResults {
    /// What was wrong with the first bad reply of each content check that failed.
    let contentProblems: [String]
    /// Sequential, pipelined, concurrent, `similar`, `recommend`, `explain` and `onboard`, in
    /// that order.
    let measurements: [QueryMeasurement]
}

/// Query throughput and latency over the real Unix socket.
struct QueryBench {
    /// Requests in one pipelined write.
    static let batchSize = 256
    /// Client connections of the concurrent measurement, one thread each.
    static let concurrentConnections = 32

    /// Rounds, durations and request limits.
    let plan: BenchPlan
    /// The socket the server listens on.
    let socketPath: String
    /// `predict` requests for known users and rated jokes.
    let predictions: RequestPool
    /// `similar J 3` requests for rated jokes.
    let similarities: RequestPool
    /// `recommend U 10`, `explain U J` and `onboard 10` requests.
    let recommendations: RequestPool
    let explanations: RequestPool
    let onboarding = RequestPool.onboarding()

    /// Prepares request pools drawn from the users and jokes of the served ratings.
    init(plan: BenchPlan, socketPath: String, ratings: RatingSet) {
        self.plan = plan
        self.socketPath = socketPath
        predictions = RequestPool.predictions(ratings, count: 8192, seed: 11)
        similarities = RequestPool.similarities(ratings, count: 2048, seed: 13)
        recommendations = RequestPool.recommendations(ratings, count: 2048, seed: 17)
        explanations = RequestPool.explanations(ratings, count: 2048, seed: 19)
    }

    /// Checks reply content once, then runs the measurements.
    ///
    /// - Returns: The results, or `nil` when no connection could be made.
    func run() -> QueryResults? {
        guard let checker = try? BenchConnection(path: socketPath) else { return nil }
        let predictProblem = ReplyContentCheck.verify(checker, pool: predictions, count: 512)
        let similarProblem = ReplyContentCheck.verify(checker, pool: similarities, count: 64)
        printLine("content check, 512 predict replies: \(predictProblem ?? "all correct")")
        printLine("content check, 64 similar replies: \(similarProblem ?? "all correct")")

        let measurements = [
            measureSequential(predictions, name: "predict sequential, 1 conn"),
            measurePipelined(),
            measureConcurrent(),
            measureSequential(similarities, name: "similar J 3 sequential, 1 conn"),
            measureSequential(recommendations, name: "recommend U 10 sequential, 1 conn"),
            measureSequential(explanations, name: "explain U J sequential, 1 conn"),
            measureSequential(onboarding, name: "onboard 10 sequential, 1 conn"),
        ]
        return QueryResults(
            contentProblems: [predictProblem, similarProblem].compactMap { $0 },
            measurements: measurements
        )
    }

    private func deadline(after seconds: Double) -> UInt64 {
        monotonicNanoseconds() + UInt64(seconds * 1e9)
    }

    private func measureSequential(_ pool: RequestPool, name: String) -> QueryMeasurement {
        guard let connection = try? BenchConnection(path: socketPath) else {
            return QueryMeasurement(name: name, runs: [], roundRates: [])
        }
        _ = QueryLoad.sequential(
            connection,
            pool: pool,
            first: 0,
            limit: 2_000,
            deadline: deadline(after: 0.2)
        )

        var runs: [QueryRun] = []
        for round in 0..<plan.queryRounds {
            let run = QueryLoad.sequential(
                connection,
                pool: pool,
                first: round * plan.sequentialRequestLimit,
                limit: plan.sequentialRequestLimit,
                deadline: deadline(after: plan.queryRoundSeconds)
            )
            runs.append(run)
            if run.connectionFailed { break }
        }
        return QueryMeasurement(name: name, runs: runs, roundRates: runs.map(\.requestsPerSecond))
    }

    private func measurePipelined() -> QueryMeasurement {
        let name = "predict pipelined x\(Self.batchSize), 1 conn (*)"
        guard let connection = try? BenchConnection(path: socketPath) else {
            return QueryMeasurement(name: name, runs: [], roundRates: [])
        }
        let batches = (0..<16).map {
            predictions.batch(startingAt: $0 * Self.batchSize, size: Self.batchSize)
        }
        _ = QueryLoad.pipelined(
            connection,
            batches: batches,
            batchSize: Self.batchSize,
            pool: predictions,
            limit: 64 * Self.batchSize,
            deadline: deadline(after: 0.2)
        )

        var runs: [QueryRun] = []
        for _ in 0..<plan.queryRounds {
            let run = QueryLoad.pipelined(
                connection,
                batches: batches,
                batchSize: Self.batchSize,
                pool: predictions,
                limit: plan.pipelinedRequestLimit,
                deadline: deadline(after: plan.queryRoundSeconds)
            )
            runs.append(run)
            if run.connectionFailed { break }
        }
        return QueryMeasurement(name: name, runs: runs, roundRates: runs.map(\.requestsPerSecond))
    }

    private func measureConcurrent() -> QueryMeasurement {
        var runs: [QueryRun] = []
        var rates: [Double] = []
        for round in 0..<plan.queryRounds {
            let (roundRuns, rate) = concurrentRound(round)
            runs += roundRuns
            rates.append(rate)
        }
        let name = "predict, \(Self.concurrentConnections) conns, sequential each"
        return QueryMeasurement(name: name, runs: runs, roundRates: rates)
    }

    /// One round of the concurrent measurement: every thread connects and warms up, then all
    /// start together and run until the shared deadline or their request limit.
    ///
    /// - Returns: Each thread's run, and the round's aggregate requests per second.
    private func concurrentRound(_ round: Int) -> (runs: [QueryRun], rate: Double) {
        let gate = StartGate()
        let collector = ResultCollector<QueryRun>()
        let pool = predictions
        let path = socketPath
        let limit = plan.perConnectionRequestLimit
        let roundSeconds = plan.queryRoundSeconds

        var threads: [JoinableThread] = []
        for client in 0..<Self.concurrentConnections {
            let first = (round * Self.concurrentConnections + client) * 257
            let thread = try? JoinableThread {
                guard let connection = try? BenchConnection(path: path) else {
                    gate.arriveWithoutWaiting()
                    var failed = QueryRun()
                    failed.connectionFailed = true
                    collector.add(failed)
                    return
                }
                let warmUpDeadline = monotonicNanoseconds() + 200_000_000
                _ = QueryLoad.sequential(
                    connection,
                    pool: pool,
                    first: first,
                    limit: 50,
                    deadline: warmUpDeadline
                )
                gate.arriveAndWait()
                let deadline = gate.openTime + UInt64(roundSeconds * 1e9)
                collector.add(QueryLoad.sequential(
                    connection,
                    pool: pool,
                    first: first + 50,
                    limit: limit,
                    deadline: deadline
                ))
            }
            if let thread { threads.append(thread) } else { gate.arriveWithoutWaiting() }
        }

        gate.waitForArrivals(Self.concurrentConnections, timeout: 10)
        gate.open()
        for thread in threads { thread.join() }

        let runs = collector.all
        let total = runs.reduce(0) { $0 + $1.requests }
        let end = runs.map(\.endTime).max() ?? gate.openTime
        let elapsed = Double(end &- gate.openTime) / 1e9
        return (runs, elapsed > 0 ? Double(total) / elapsed : .nan)
    }

    /// Prints the query table.
    static func printTable(_ measurements: [QueryMeasurement]) {
        var table = TextTable([
            "test", "requests", "req/s median", "req/s range", "p50 µs", "p99 µs", "bad",
            "failed",
        ])
        for entry in measurements {
            let microseconds = entry.latencies.scaled(by: 1e6)
            table.add([
                entry.name,
                Format.grouped(entry.requests),
                Format.rate(entry.rates.median),
                Format.rateRange(entry.rates),
                Format.number(microseconds.percentile(0.5)),
                Format.number(microseconds.percentile(0.99)),
                "\(entry.badReplies)",
                "\(entry.failedLoops)",
            ])
        }
        table.print()
        printLine("(*) latency columns: round trip of a whole batch of \(batchSize) requests")
        printLine("(bad = replies with a wrong code or line count; failed = client loops ended by")
        printLine(" a connection error or a reply timeout)")
    }

    /// Adds the query figures to the summary.
    static func record(_ results: QueryResults, into summary: inout BenchSummary) {
        let measurements = results.measurements
        let goals: [TargetCheck.Goal] = [
            .atLeast(60_000), .atLeast(800_000), .none, .none, .none, .none, .none,
        ]
        let names = [
            "predict sequential, 1 conn",
            "predict pipelined x\(batchSize), 1 conn",
            "predict, \(concurrentConnections) conns",
            "similar J 3 sequential, 1 conn",
            "recommend U 10 sequential, 1 conn",
            "explain U J sequential, 1 conn",
            "onboard 10 sequential, 1 conn",
        ]
        for (index, entry) in measurements.enumerated() where index < names.count {
            summary.record(TargetCheck(
                name: names[index] + ", median",
                value: entry.rates.median,
                unit: "req/s",
                goal: goals[index],
                decimals: 0
            ))
        }
        if let sequential = measurements.first {
            summary.record(TargetCheck(
                name: "predict sequential, 1 conn, p99",
                value: sequential.latencies.percentile(0.99) * 1e6,
                unit: "µs",
                goal: .none
            ))
        }
        let bad = measurements.reduce(results.contentProblems.count) {
            $0 + $1.badReplies + $1.failedLoops
        }
        summary.record(TargetCheck(
            name: "query checks failed",
            value: Double(bad),
            unit: "",
            goal: .atMost(0),
            decimals: 0
        ))
    }
}
