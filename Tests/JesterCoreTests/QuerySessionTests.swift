import Foundation
import Testing
@testable import JesterCore

struct QuerySessionTests {
    /// Users 101 to 120 rate jokes 1 to 8; joke 9 has a text but no ratings.
    private static let ratings = syntheticRatings(users: 101...120, jokes: 1...8, extraJokes: [9])

    private static let model: FactorModel = {
        var options = FactorTrainingOptions()
        options.factors = 4
        options.maxEpochs = 20
        options.seed = 3
        return FactorTrainer(options: options).train(on: ratings).model
    }()

    private static let catalog = JokeCatalog(texts: Dictionary(uniqueKeysWithValues: (1...9).map {
        (Int32($0), "Joke \($0) says \"hello\"\nand ends.")
    }))

    private static let snapshot: ModelSnapshot = {
        var rejections = RejectionTally()
        rejections.record(.unknownJoke, file: "r.dat", line: 4)
        rejections.record(.unknownJoke, file: "r.dat", line: 9)
        rejections.record(.fieldCount, file: "r.dat", line: 12)
        return ModelSnapshot(
            version: 4,
            model: model,
            ratings: ratings,
            catalog: catalog,
            training: TrainingInfo(
                kind: .mf,
                dimension: 4,
                epochs: 20,
                bestEpoch: 17,
                validationRMSE: 2.345_67,
                trainingCount: 130,
                validationCount: 0,
                seconds: 0.25,
                finishedAt: 110
            ),
            data: DataInfo(files: 2, linesRead: 160, rejections: rejections)
        )
    }()

    private static let context = QueryContext(
        now: 130.04,
        startedAt: 100,
        daemonVersion: "1.2.3",
        phase: "training"
    )

    private static func respond(
        _ line: String,
        snapshot: ModelSnapshot? = snapshot,
        session: inout QuerySession
    ) -> Reply {
        var copy = line
        return copy.withUTF8 { session.respond(to: $0, snapshot: snapshot, context: context) }
    }

    private static func respond(_ line: String, snapshot: ModelSnapshot? = snapshot) -> Reply {
        var session = QuerySession()
        return respond(line, snapshot: snapshot, session: &session)
    }

    /// The fields of every line of a text reply, by key.
    private static func fields(_ reply: Reply) throws -> [[String: String]] {
        let rendered = reply.rendered(.text)
        var lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let last = lines.removeLast()
        #expect(last == "")
        return try lines.map { line in
            let parsed = try #require(ReplyText.parseFields(line.dropFirst(4)))
            return Dictionary(parsed.map { ($0.key, $0.value) }) { first, _ in first }
        }
    }

    @Test func predictsForAKnownUserFromTheModel() throws {
        let reply = Self.respond("predict 105 3")

        #expect(reply.code == .ok)
        let fields = try #require(try Self.fields(reply).first)
        #expect(fields["user"] == "105")
        #expect(fields["joke"] == "3")
        #expect(fields["source"] == "model")
        let rating = try #require(fields["rating"].flatMap(Double.init))
        #expect((-10...10).contains(rating))
        let user = try #require(Self.ratings.users.index(of: 105))
        let joke = try #require(Self.ratings.jokes.index(of: 3))
        let predicted = Self.model.predict(user: user, joke: joke)
        #expect(fields["rating"] == ReplyText.fixed(Double(predicted), decimals: 2))
    }

    @Test func keepsEveryPredictionOnTheRatingScale() throws {
        for user in 101...120 {
            for joke in 1...9 {
                let fields = try Self.fields(Self.respond("predict \(user) \(joke)"))
                let rating = try #require(fields.first?["rating"].flatMap(Double.init))
                #expect((-10...10).contains(rating))
            }
        }
    }

    @Test func fallsBackToTheJokeMeanForAnUnknownUser() throws {
        let reply = Self.respond("predict 999 3")

        let fields = try #require(try Self.fields(reply).first)
        #expect(reply.code == .ok)
        #expect(fields["source"] == "fallback:joke-mean")
        // The joke's mean shrunk toward the global mean with weight 25, computed from the table.
        let joke = try #require(Self.ratings.jokes.index(of: 3))
        var sum = 0.0
        var count = 0.0
        for entry in Self.ratings.entries where Int(entry.joke) == joke {
            sum += Double(entry.value)
            count += 1
        }
        let total = Self.ratings.entries.reduce(0.0) { $0 + Double($1.value) }
        let globalMean = total / Double(Self.ratings.count)
        let shrunk = (sum + 25 * globalMean) / (count + 25)
        #expect(fields["rating"] == ReplyText.fixed(Double(Float(shrunk)), decimals: 2))
    }

    @Test func fallsBackForAJokeWithoutRatings() throws {
        let known = try #require(try Self.fields(Self.respond("predict 101 9")).first)
        let unknown = try #require(try Self.fields(Self.respond("predict 999 9")).first)

        #expect(known["source"] == "fallback:user-mean")
        #expect(unknown["source"] == "fallback:global-mean")
        let globalMean = Self.ratings.globalMean
        #expect(unknown["rating"] == ReplyText.fixed(Double(Float(globalMean)), decimals: 2))
        let user = try #require(Self.ratings.users.index(of: 101))
        let own = Self.ratings.entries(ofUser: user).map { Double($0.value) }
        let userMean = (own.reduce(0, +) + 5 * globalMean) / (Double(own.count) + 5)
        #expect(known["rating"] == ReplyText.fixed(Double(Float(userMean)), decimals: 2))
    }

    @Test(arguments: ["predict 101 999", "predict 999 0", "joke 999", "similar 999"])
    func answersUnknownJokesWithNotFound(line: String) {
        let reply = Self.respond(line)

        #expect(reply.code == .notFound)
        #expect(reply.rendered(.text).hasPrefix("404 unknown joke "))
    }

    @Test func listsSimilarJokesWithoutTheJokeItself() throws {
        let reply = Self.respond("similar 2 3")

        #expect(reply.code == .list)
        let lines = try Self.fields(reply)
        try #require(lines.count == 4)
        let neighbours = lines.dropLast()
        #expect(neighbours.map { $0["rank"] } == ["1", "2", "3"])
        #expect(!neighbours.contains { $0["joke"] == "2" })
        let ids = neighbours.compactMap { $0["joke"].flatMap(Int32.init) }
        #expect(Set(ids).count == 3)
        #expect(ids.allSatisfy { (1...8).contains($0) })
        let scores = neighbours.compactMap { $0["score"].flatMap(Double.init) }
        #expect(scores.count == 3 && scores.allSatisfy { $0 > 0 })
        #expect(scores == scores.sorted(by: >))
        for (id, line) in zip(ids, neighbours) {
            #expect(line["text"] == Self.catalog.text(of: id))
        }
        #expect(lines.last == ["count": "3", "joke": "2", "model": "4"])
    }

    @Test func listsThreeSimilarJokesByDefaultAndOnlyRatedOnes() throws {
        let standard = try Self.fields(Self.respond("similar 2"))
        let all = try Self.fields(Self.respond("similar 2 100"))

        #expect(standard.count == 4)
        #expect(standard.last?["count"] == "3")
        // Seven other jokes have ratings (joke 9 has none, so it is never listed); of those,
        // only the ones with a positive similarity are like joke 2.
        let index = try #require(Self.snapshot.ratings.jokes.index(of: 2))
        let ranked = Self.snapshot.similarity.mostSimilar(to: index, count: 100)
        let positive = ranked.filter { $0.score > 0 }.count
        #expect(ranked.count == 7 && positive < 7, "the fixture has a joke unlike joke 2")
        #expect(all.count == positive + 1)
        #expect(all.last?["count"] == String(positive))
        #expect(all.dropLast().allSatisfy { ($0["score"].flatMap(Double.init) ?? 0) > 0 })
        #expect(!all.contains { $0["joke"] == "9" && $0["rank"] != nil })
        #expect(Array(all.prefix(3)) == Array(standard.prefix(3)))
    }

    @Test func refusesSimilarJokesForAJokeWithoutRatings() {
        let reply = Self.respond("similar 9")

        #expect(reply.code == .notFound)
        #expect(reply.rendered(.text).hasPrefix("404 joke 9 has no ratings yet"))
    }

    @Test func answersJokeTexts() throws {
        let reply = Self.respond("joke 3")

        let fields = try #require(try Self.fields(reply).first)
        #expect(reply.code == .ok)
        #expect(fields == ["joke": "3", "text": "Joke 3 says \"hello\"\nand ends."])
        #expect(reply.rendered(.text).utf8.filter { $0 == 0x0A }.count == 1)
    }

    @Test func switchesToJSONAndBack() throws {
        var session = QuerySession()
        #expect(session.format == .text)

        let switched = Self.respond("format json", session: &session)
        #expect(switched.code == .ok)
        #expect(session.format == .json)
        #expect(switched.rendered(session.format) == "200 {\"format\":\"json\"}\n")

        let predicted = Self.respond("predict 105 3", session: &session)
        let payload = Data(predicted.rendered(session.format).utf8.dropFirst(4))
        let parsed = try JSONSerialization.jsonObject(with: payload)
        let object = try #require(parsed as? [String: Any])
        #expect(object["user"] as? Int == 105)
        #expect(object["source"] as? String == "model")
        #expect(object["rating"] is Double || object["rating"] is Int)

        _ = Self.respond("FORMAT text", session: &session)
        #expect(session.format == .text)
    }

    @Test(arguments: ["predict 101 3", "similar 2", "joke 3"])
    func answersNotReadyBeforeAModel(line: String) {
        let reply = Self.respond(line, snapshot: nil)

        #expect(reply.code == .notReady)
        #expect(reply.rendered(.text) == "503 no model yet: jesterd is training; retry shortly\n")
    }

    @Test func reportsThePhaseBeforeAModel() throws {
        let reply = Self.respond("status", snapshot: nil)

        #expect(reply.code == .ok)
        let fields = try #require(try Self.fields(reply).first)
        #expect(fields["state"] == "training")
        #expect(fields["uptime"] == "30.0")
        #expect(!fields.keys.contains { $0.hasPrefix("model.") })
    }

    @Test func reportsTheModelAndData() throws {
        let reply = Self.respond("status")

        let fields = try #require(try Self.fields(reply).first)
        #expect(fields["state"] == "ready")
        #expect(fields["uptime"] == "30.0")
        #expect(fields["model.version"] == "4")
        #expect(fields["model.kind"] == "mf")
        #expect(fields["model.new-ratings"] == "fold-in")
        #expect(fields["model.dimension"] == "4")
        #expect(fields["model.age"] == "20.0")
        #expect(fields["users"] == "20")
        #expect(fields["jokes"] == "9")
        #expect(fields["ratings"] == String(Self.ratings.count))
        #expect(fields["training.seconds"] == "0.250")
        #expect(fields["training.best-epoch"] == "17")
        #expect(fields["validation.rmse"] == "2.3457")
        #expect(fields["data.files"] == "2")
        #expect(fields["data.lines"] == "160")
        #expect(fields["rejected"] == "3")
        #expect(fields["rejected.unknown-joke"] == "2")
        #expect(fields["rejected.field-count"] == "1")
        #expect(fields["rejected.bad-id"] == nil)
    }

    @Test func answersWithoutAModel() throws {
        #expect(Self.respond("ping", snapshot: nil).rendered(.text) == "200 pong\n")
        let version = Self.respond("version", snapshot: nil)
        #expect(try Self.fields(version).first == ["version": "1.2.3", "protocol": "1"])
        #expect(Self.respond("help", snapshot: nil).code == .ok)
    }

    @Test func closesOnQuit() {
        let reply = Self.respond("quit")

        #expect(reply.code == .bye)
        #expect(reply.closesConnection)
        #expect(reply.rendered(.text) == "221 bye\n")
        #expect(!Self.respond("ping").closesConnection)
    }

    @Test func listsTheVerbs() throws {
        let all = try Self.fields(Self.respond("help"))
        let one = try Self.fields(Self.respond("HELP Predict"))
        let none = Self.respond("help frob")

        #expect(all.count == Request.verbs.count + 1)
        #expect(all.dropLast().map { $0["verb"] } == Request.verbs.map(\.name))
        #expect(all.last == ["count": String(Request.verbs.count)])
        #expect(one.count == 1)
        #expect(one.first?["usage"] == "predict USER JOKE")
        #expect(none.code == .notFound)
    }

    @Test func answersBadRequestsWithTheirError() {
        let reply = Self.respond("predict one 2")

        #expect(reply.code == .badRequest)
        #expect(reply.rendered(.text)
            == "400 USER must be an integer from 0 to 2147483647, not \"one\"\n")
        #expect(Self.respond("").rendered(.text) == "400 empty request; try \"help\"\n")
        #expect(Self.respond("similar 2 101").code == .outOfRange)
    }
}
