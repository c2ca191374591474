import JesterCore
@testable import JesterSystem
import Testing

extension OneAtATime {
    /// The live service driven directly: each test appends to real files and hands the
    /// service the event the watcher would have reported.
    @Suite struct LiveServiceTests {
        private let prefix = LiveFixture.prefix

        @Test(arguments: [ModelKind.mf, .gaussian])
        func aNewRatingForAKnownUserChangesThatPrediction(kind: ModelKind) async throws {
            let fixture = try await LiveFixture.start(configuration: .quick(kind: kind))
            let before = try fixture.current()
            let old = try #require(before.predict(userID: 5, jokeID: 77))
            #expect(old.source == "model")
            #expect(try fixture.storedRating(user: 5, joke: 77) == nil)

            try await fixture.feed(prefix, ratingLine(5, 77, 9.5))
            let after = try fixture.current()
            let new = try #require(after.predict(userID: 5, jokeID: 77))
            #expect(new.source == "model")
            #expect(new.rating > old.rating, "\(old.rating) -> \(new.rating)")
            #expect(after.version > before.version)
            #expect(after.ratings.count == before.ratings.count + 1)
            #expect(after.live.learnedSinceRetrain == 1)
            #expect(try fixture.storedRating(user: 5, joke: 77) == 9.5)
        }

        @Test(arguments: [ModelKind.mf, .gaussian])
        func aNewUserIsAnsweredByTheModelAfterOneRating(kind: ModelKind) async throws {
            let fixture = try await LiveFixture.start(configuration: .quick(kind: kind))
            let before = try fixture.current()
            #expect(before.predict(userID: 999_999, jokeID: 8)?.source == "fallback:joke-mean")

            try await fixture.feed(prefix, ratingLine(999_999, 77, 8))
            let after = try fixture.current()
            #expect(after.predict(userID: 999_999, jokeID: 8)?.source == "model")
            #expect(after.ratings.users.count == before.ratings.users.count + 1)
            let rating = try #require(after.predict(userID: 999_999, jokeID: 77)?.rating)
            #expect(rating.isFinite && (-10...10).contains(rating))
        }

        @Test func aLaterRatingOfTheSameJokeReplacesTheEarlierOne() async throws {
            let fixture = try await LiveFixture.start()
            let count = try fixture.current().ratings.count
            #expect(try fixture.storedRating(user: 1, joke: 5) == 0.219)

            try await fixture.feed(prefix, ratingLine(1, 5, -4))
            #expect(try fixture.current().ratings.count == count)
            #expect(try fixture.storedRating(user: 1, joke: 5) == -4)

            // From another file too, and counted as learned each time.
            try await fixture.feed("ratings-more.dat", ratingLine(1, 5, 6))
            let snapshot = try fixture.current()
            #expect(snapshot.ratings.count == count)
            #expect(try fixture.storedRating(user: 1, joke: 5) == 6)
            #expect(snapshot.live.learnedSinceRetrain == 2)
        }

        /// Live, the rating that arrived last wins; a full retrain reads the files in name
        /// order instead. A rating recorded with `rate`, in the inbox, after another file
        /// had rated the same joke must not revert at the next retrain.
        @Test func theLatestRatingOfAJokeStillWinsAfterAFullRetrain() async throws {
            let fixture = try await LiveFixture.start()
            try await fixture.feed("ratings-zz.dat", ratingLine(5, 77, 9))
            try await fixture.feed(InboxWriter.fileName, ratingLine(5, 77, -3))
            #expect(try fixture.storedRating(user: 5, joke: 77) == -3)

            #expect(await fixture.service.retrainNow().code == .ok)
            #expect(try fixture.storedRating(user: 5, joke: 77) == -3)
        }

        @Test(arguments: [ModelKind.mf, .gaussian])
        func aJokeAddedToTheJokesFileBecomesServableAndItsRatingsAreAccepted(kind: ModelKind) async throws {
            let fixture = try await LiveFixture.start(configuration: .quick(kind: kind))
            let before = try fixture.current()
            #expect(before.catalog.text(of: 151) == nil)
            #expect(before.predict(userID: 5, jokeID: 151) == nil)

            // Before the joke exists its ratings are refused, counted as unknown jokes.
            try await fixture.feed(prefix, ratingLine(5, 151, 1))
            let refused = try fixture.current()
            #expect(refused.ratings.count == before.ratings.count)
            #expect(refused.data.rejections.count(of: .unknownJoke) == 1)

            try append(fixture.path(DataDirectory.jokesFileName), "151:\n<p>A new joke</p>\n")
            await fixture.service.handle(.changed(DataDirectory.jokesFileName))
            let reloaded = try fixture.current()
            #expect(reloaded.catalog.text(of: 151)?.contains("A new joke") == true)
            #expect(reloaded.predict(userID: 5, jokeID: 151)?.source == "fallback:user-mean")

            try await fixture.feed(prefix, ratingLine(5, 151, 7) + ratingLine(6, 151, 6))
            let learned = try fixture.current()
            #expect(learned.ratings.count == before.ratings.count + 2)
            #expect(learned.predict(userID: 5, jokeID: 151)?.source == "model")
            #expect(learned.predict(userID: 7, jokeID: 151)?.source == "model")
            #expect(try fixture.storedRating(user: 5, joke: 151) == 7)
        }

        @Test func aDeletedFileKeepsItsRatingsUntilTheNextFullRetrain() async throws {
            let fixture = try await LiveFixture.start()
            let count = try fixture.current().ratings.count
            let extra = "ratings-extra.dat"
            let lines = (1...3).map { ratingLine(5_000, $0, 2) }.joined()
            try await fixture.feed(extra, lines)
            #expect(try fixture.current().ratings.count == count + 3)

            try remove(fixture.path(extra))
            await fixture.service.handle(.removed(extra))
            let afterDelete = try fixture.current()
            #expect(afterDelete.ratings.count == count + 3)
            #expect(!afterDelete.live.files.map(\.name).contains(extra))

            let reply = await fixture.service.retrainNow()
            #expect(reply.code == .ok)
            let retrained = try fixture.current()
            #expect(retrained.ratings.count == count)
            #expect(retrained.ratings.users.index(of: 5_000) == nil)
            #expect(retrained.live.learnedSinceRetrain == 0)
        }

        @Test func aTruncatedFileIsReadAgainAndItsOldRatingsGoAtTheRetrain() async throws {
            let fixture = try await LiveFixture.start()
            let count = try fixture.current().ratings.count
            let extra = "ratings-extra.dat"
            try await fixture.feed(extra, ratingLine(6_000, 1, 1) + ratingLine(6_000, 2, 1))
            try truncateFile(fixture.path(extra), to: 0)
            try await fixture.feed(extra, ratingLine(6_001, 3, 3))
            #expect(try fixture.current().ratings.count == count + 3)

            #expect(await fixture.service.retrainNow().code == .ok)
            let retrained = try fixture.current()
            #expect(retrained.ratings.count == count + 1)
            #expect(try fixture.storedRating(user: 6_001, joke: 3) == 3)
            #expect(try fixture.storedRating(user: 6_000, joke: 1) == nil)
        }

        @Test func anOverflowRescanLearnsWhatTheLostEventsWouldHave() async throws {
            let fixture = try await LiveFixture.start()
            let count = try fixture.current().ratings.count
            try append(fixture.path(prefix), ratingLine(7_000, 1, 1) + ratingLine(7_000, 2, 2))
            try write(fixture.path("ratings-unseen.dat"),
                      (3...5).map { ratingLine(7_000, $0, 3) }.joined())
            #expect(try fixture.current().ratings.count == count)

            await fixture.service.handle(.overflow)
            let rescanned = try fixture.current()
            #expect(rescanned.ratings.count == count + 5)
            #expect(rescanned.live.files.map(\.name).contains("ratings-unseen.dat"))
            #expect(rescanned.live.files.allSatisfy { $0.pendingBytes == 0 })
        }

        @Test func aReturnedDirectoryIsRescannedAndItsJokesReloaded() async throws {
            let fixture = try await LiveFixture.start()
            let count = try fixture.current().ratings.count
            try append(fixture.path(prefix), ratingLine(8_000, 1, 4))
            try append(fixture.path(DataDirectory.jokesFileName), "151:\n<p>Back again</p>\n")
            await fixture.service.handle(.directoryLost)
            #expect(try fixture.current().ratings.count == count)

            await fixture.service.handle(.directoryReturned)
            let snapshot = try fixture.current()
            #expect(snapshot.ratings.count == count + 1)
            #expect(snapshot.catalog.text(of: 151)?.contains("Back again") == true)
        }

        /// `status` promises pending bytes, "such as a line still waiting for its newline".
        @Test func aLineWaitingForItsNewlineShowsAsPendingBytes() async throws {
            let fixture = try await LiveFixture.start()
            let partial = "5\t\t77\t\t9"
            try await fixture.feed(prefix, partial)
            let waiting = try fixture.current()
            let file = try #require(waiting.live.files.first { $0.name == prefix })
            #expect(file.pendingBytes == partial.utf8.count)
            #expect(waiting.live.learnedSinceRetrain == 0)

            try await fixture.feed(prefix, ".5\n")
            let learned = try fixture.current()
            #expect(learned.live.files.first { $0.name == prefix }?.pendingBytes == 0)
            #expect(try fixture.storedRating(user: 5, joke: 77) == 9.5)
        }

        @Test func eventsForOtherFilesChangeNothing() async throws {
            let fixture = try await LiveFixture.start()
            let before = try fixture.current()
            try write(fixture.path("notes.txt"), ratingLine(9_000, 1, 1))
            await fixture.service.handle(.changed("notes.txt"))
            await fixture.service.handle(.removed("notes.txt"))
            let after = try fixture.current()
            #expect(after.version == before.version)
            #expect(after.ratings.count == before.ratings.count)
        }

        /// `jesterctl snapshot` and the save at SIGTERM both call `saveState()`; one that
        /// comes while a periodic save runs must still end with the newest state written.
        @Test func aSaveAskedForDuringAnotherSaveIsStillWritten() async throws {
            let fixture = try await LiveFixture.start(savingState: true)
            try await fixture.feed(prefix, ratingLine(5, 77, 9.5))
            let service = fixture.service
            // Several at once, so that some surely come while another is writing.
            let results = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<5 { group.addTask { await service.saveState() } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results == [true, true, true, true, true])
            let saved = StateStore(directory: fixture.scratch.state).loadLatest().loaded
            #expect(saved?.state.snapshotVersion == (try fixture.current().version))
        }
    }
}
