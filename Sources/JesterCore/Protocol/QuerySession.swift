/// What a query may know of the daemon besides the model.
public struct QueryContext: Sendable {
    /// Now, on the daemon's monotonic clock, in seconds.
    public var now: Double
    /// When the daemon started, on the same clock.
    public var startedAt: Double
    public var daemonVersion: String
    /// What the daemon is doing when there is no model yet, for `status` (`loading`, `training`).
    public var phase: String
    /// Reloads asked for and done so far.
    public var reloads: ReloadStatus
    /// Carries out admin verbs; `nil` where there is nobody to carry them out.
    public var actions: (any AdminActions)?

    public init(
        now: Double,
        startedAt: Double,
        daemonVersion: String,
        phase: String,
        reloads: ReloadStatus = ReloadStatus(),
        actions: (any AdminActions)? = nil
    ) {
        self.now = now
        self.startedAt = startedAt
        self.daemonVersion = daemonVersion
        self.phase = phase
        self.reloads = reloads
        self.actions = actions
    }
}

/// The side effects of admin verbs, supplied by the daemon. Each call blocks until done.
public protocol AdminActions: Sendable {
    /// Appends a rating to the inbox ratings file durably.
    func rate(user: Int32, joke: Int32, rating: Double) -> Reply
    /// Retrains in full and answers when the new model is in, or was rejected.
    func retrain() -> Reply
    /// Saves the state now.
    func saveState() -> Reply
}

/// One connection's conversation: parses request lines and answers them from a snapshot.
///
/// Pure: the caller hands in the snapshot, the clock and whether the peer is an administrator,
/// writes the reply out, and carries out what the reply asks for (``Reply/requestsReload``).
public struct QuerySession: Sendable {
    /// The protocol's version, reported by `version`.
    public static let protocolVersion = 1

    public private(set) var format: ReplyFormat = .text
    /// Whether the peer may use the admin verbs; the server decides from its credentials.
    public var isAdministrator: Bool

    public init(isAdministrator: Bool = false) {
        self.isAdministrator = isAdministrator
    }

    /// Answers one request line, written without its line end.
    public mutating func respond(
        to line: UnsafeBufferPointer<UInt8>,
        snapshot: ModelSnapshot?,
        context: QueryContext
    ) -> Reply {
        switch Request.parse(line) {
        case .failure(let error):
            return .error(error.code, error.message)
        case .success(let request):
            return respond(to: request, snapshot: snapshot, context: context)
        }
    }

    public mutating func respond(to request: Request, snapshot: ModelSnapshot?, context: QueryContext) -> Reply {
        if request.isAdmin && !isAdministrator { return Self.forbidden }
        switch request {
        case .ping:
            return .message(.ok, "pong")
        case .quit:
            return .message(.bye, "bye", closing: true)
        case .version:
            return Reply(.ok, [
                ("version", .word(context.daemonVersion)),
                ("protocol", .integer(Self.protocolVersion)),
            ])
        case .format(let format):
            self.format = format
            return Reply(.ok, [("format", .word(format.rawValue))])
        case .help(let verb):
            return Self.help(verb)
        case .status:
            return Self.status(snapshot, context)
        case .reload:
            var reply = Reply.message(.accepted, "reload queued")
            reply.requestsReload = true
            return reply
        case .rate, .retrain, .snapshot:
            return administer(request, snapshot: snapshot, context: context)
        case .predict, .similar, .joke, .recommend, .explain, .onboard:
            guard let snapshot else {
                return .error(.notReady, "no model yet: jesterd is \(context.phase); retry shortly")
            }
            return Self.answer(request, from: snapshot)
        }
    }

    private static let forbidden = Reply.error(
        .forbidden,
        "admin verb: only root, jesterd's user and members of its admin group may use it"
    )

    private func administer(_ request: Request, snapshot: ModelSnapshot?, context: QueryContext) -> Reply {
        guard let actions = context.actions else {
            return .error(.notReady, "admin verbs are not available")
        }
        switch request {
        case .rate(let user, let joke, let rating):
            if let snapshot, snapshot.catalog.count > 0, snapshot.catalog.text(of: joke) == nil {
                return .error(.notFound, "unknown joke \(joke): add it to jester_items.dat first")
            }
            return actions.rate(user: user, joke: joke, rating: rating)
        case .retrain:
            return actions.retrain()
        default:
            return actions.saveState()
        }
    }

    private static func answer(_ request: Request, from snapshot: ModelSnapshot) -> Reply {
        switch request {
        case .predict(let user, let joke):
            guard let prediction = snapshot.predict(userID: user, jokeID: joke) else {
                return .error(.notFound, "unknown joke \(joke)")
            }
            return Reply(.ok, [
                ("user", .integer(Int(user))),
                ("joke", .integer(Int(joke))),
                ("rating", .number(Double(prediction.rating), decimals: 2)),
                ("source", .word(prediction.source)),
            ])
        case .similar(let jokeID, let count):
            guard let joke = snapshot.ratings.jokes.index(of: jokeID) else {
                return .error(.notFound, "unknown joke \(jokeID)")
            }
            guard snapshot.ratings.jokeCounts[joke] > 0, joke < snapshot.model.jokeCount else {
                return .error(.notFound, "joke \(jokeID) has no ratings yet, so nothing is known to be like it")
            }
            // A joke whose ratings run against this one's is not like it, however few others are.
            let neighbours = snapshot.similarity.mostSimilar(to: joke, count: count).filter { $0.score > 0 }
            var lines: [ReplyLine] = []
            for (rank, neighbour) in neighbours.enumerated() {
                let id = snapshot.ratings.jokes.id(at: neighbour.joke)
                var fields: [(key: String, value: FieldValue)] = [
                    ("rank", .integer(rank + 1)),
                    ("joke", .integer(Int(id))),
                    ("score", .number(Double(neighbour.score), decimals: 3)),
                ]
                if let text = snapshot.catalog.text(of: id) { fields.append(("text", .text(text))) }
                lines.append(ReplyLine(fields))
            }
            lines.append(ReplyLine([
                ("count", .integer(neighbours.count)),
                ("joke", .integer(Int(jokeID))),
                ("model", .integer(snapshot.version)),
            ]))
            return Reply(.list, lines: lines)
        case .recommend(let user, let count):
            let (items, source) = snapshot.recommend(userID: user, count: count)
            var lines = items.enumerated().map { rank, item in
                var fields: [(key: String, value: FieldValue)] = [
                    ("rank", .integer(rank + 1)),
                    ("joke", .integer(Int(item.joke))),
                    ("rating", .number(Double(item.rating), decimals: 2)),
                ]
                if let text = snapshot.catalog.text(of: item.joke) { fields.append(("text", .text(text))) }
                return ReplyLine(fields)
            }
            lines.append(ReplyLine([
                ("count", .integer(items.count)),
                ("user", .integer(Int(user))),
                ("source", .word(source)),
                ("model", .integer(snapshot.version)),
            ]))
            return Reply(.list, lines: lines)
        case .explain(let user, let joke):
            guard let explanation = snapshot.explain(userID: user, jokeID: joke) else {
                return .error(.notFound, "unknown joke \(joke)")
            }
            var lines = explanation.parts.map { part in
                ReplyLine([("part", .word(part.name)), ("value", .number(Double(part.value), decimals: 3))])
            }
            lines += explanation.influences.map { influence in
                ReplyLine([
                    ("because", .integer(Int(influence.joke))),
                    ("rated", .number(Double(influence.rating), decimals: 2)),
                    ("similarity", .number(Double(influence.similarity), decimals: 3)),
                    ("pull", .number(Double(influence.pull), decimals: 3)),
                ])
            }
            lines.append(ReplyLine([
                ("user", .integer(Int(user))),
                ("joke", .integer(Int(joke))),
                ("rating", .number(Double(explanation.rating), decimals: 2)),
                ("sum", .number(Double(explanation.raw), decimals: 3)),
                ("source", .word(explanation.source)),
            ]))
            return Reply(.ok, lines: lines)
        case .onboard(let count):
            let jokes = snapshot.onboarding(count: count)
            var lines = jokes.enumerated().map { rank, id in
                var fields: [(key: String, value: FieldValue)] = [
                    ("rank", .integer(rank + 1)),
                    ("joke", .integer(Int(id))),
                ]
                if let text = snapshot.catalog.text(of: id) { fields.append(("text", .text(text))) }
                return ReplyLine(fields)
            }
            lines.append(ReplyLine([("count", .integer(jokes.count)), ("model", .integer(snapshot.version))]))
            return Reply(.list, lines: lines)
        case .joke(let id):
            guard let text = snapshot.catalog.text(of: id) else {
                return .error(.notFound, "unknown joke \(id)")
            }
            return Reply(.ok, [("joke", .integer(Int(id))), ("text", .text(text))])
        default:
            return .error(.internalError, "request not answerable from a model")
        }
    }

    private static func status(_ snapshot: ModelSnapshot?, _ context: QueryContext) -> Reply {
        var fields: [(key: String, value: FieldValue)] = [
            ("state", .word(snapshot == nil ? context.phase : "ready")),
            ("uptime", .number(context.now - context.startedAt, decimals: 1)),
            ("reload.requested", .integer(context.reloads.requested)),
            ("reload.finished", .integer(context.reloads.finished)),
        ]
        if let error = context.reloads.lastError { fields.append(("reload.error", .text(error))) }
        guard let snapshot else { return Reply(.ok, fields) }
        let training = snapshot.training
        fields += [
            ("model.version", .integer(snapshot.version)),
            ("model.kind", .word(training.kind.rawValue)),
            ("model.new-ratings", .word(training.kind.foldsInNewRatings ? "fold-in" : "next-retrain")),
            ("model.dimension", .integer(training.dimension)),
            ("model.age", .number(context.now - training.finishedAt, decimals: 1)),
            ("users", .integer(snapshot.ratings.users.count)),
            ("jokes", .integer(snapshot.ratings.jokes.count)),
            ("ratings", .integer(snapshot.ratings.count)),
            ("training.seconds", .number(training.seconds, decimals: 3)),
            ("training.epochs", .integer(training.epochs)),
            ("training.best-epoch", .integer(training.bestEpoch)),
            ("validation.ratings", .integer(training.validationCount)),
        ]
        if let rmse = training.validationRMSE {
            fields.append(("validation.rmse", .number(rmse, decimals: 4)))
        }
        fields += [
            ("data.files", .integer(snapshot.data.files)),
            ("data.lines", .integer(snapshot.data.linesRead)),
            ("data.replaced", .integer(snapshot.data.replacedRatings)),
            ("rejected", .integer(snapshot.data.rejections.total)),
        ]
        for (reason, count) in snapshot.data.rejections.nonZeroCounts {
            fields.append(("rejected.\(reason.name)", .integer(count)))
        }
        let live = snapshot.live
        fields += [
            ("learned.since-retrain", .integer(live.learnedSinceRetrain)),
            ("pending.bytes", .integer(live.files.reduce(0) { $0 + $1.pendingBytes })),
            ("retrains.rejected", .integer(live.rejectedRetrains)),
        ]
        if let reason = live.lastRejection { fields.append(("retrains.last-rejection", .text(reason))) }
        // One line per ratings file, then the summary line last.
        var lines = live.files.map { file in
            ReplyLine([
                ("file", .word(file.name)),
                ("offset", .integer(file.offset)),
                ("size", .integer(file.size)),
                ("pending", .integer(file.pendingBytes)),
            ])
        }
        lines.append(ReplyLine(fields))
        return Reply(.ok, lines: lines)
    }

    private static func help(_ verb: String?) -> Reply {
        func line(_ description: VerbDescription) -> ReplyLine {
            ReplyLine([
                ("verb", .word(description.name)),
                ("usage", .text(description.usage)),
                ("summary", .text(description.summary)),
            ])
        }
        if let verb {
            guard let description = Request.verbs.first(where: { $0.name == verb }) else {
                return .error(.notFound, "no verb named \(verb.debugDescription)")
            }
            return Reply(.ok, lines: [line(description)])
        }
        let lines = Request.verbs.map(line) + [ReplyLine([("count", .integer(Request.verbs.count))])]
        return Reply(.ok, lines: lines)
    }
}
