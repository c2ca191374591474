import JesterCore
@testable import JesterSystem
import Synchronization
import Testing

extension OneAtATime {
    /// Background full retrains: when they start, what they swap in, and what they refuse.
    @Suite struct LiveRetrainTests {
        private let prefix = LiveFixture.prefix

        /// A service restored from a state that `good` trained and saved, now configured
        /// with `configuration`, so that only its retrains use that configuration.
        private func restored(
            configuration: ModelConfiguration,
            settings: LiveSettings = LiveSettings(),
            good: ModelConfiguration = .quick(epochs: 20)
        ) async throws -> LiveFixture {
            let trained = try await LiveFixture.start(configuration: good, savingState: true)
            #expect(await trained.service.saveState())
            let fixture = try await LiveFixture.start(
                scratch: trained.scratch,
                configuration: configuration,
                settings: settings,
                savingState: true
            )
            let restoredTraining = try fixture.current().training
            #expect(restoredTraining.finishedAtWallClock
                    == (try trained.current().training.finishedAtWallClock))
            return fixture
        }

        @Test func aShareOfNewRatingsSwapsInANewModelAndKeepsLinesAppendedMeanwhile()
            async throws
        {
            // Long enough epochs that lines can be appended while the retrain runs.
            var configuration = ModelConfiguration.quick(epochs: 200)
            configuration.factor.patience = 1_000
            let scratch = try Scratch()
            try scratch.copyData()
            let count = try DataDirectory(path: scratch.data).load().ratings.count
            var settings = LiveSettings()
            settings.retrainFraction = 3.5 / Double(count)
            let fixture = try await LiveFixture.start(
                scratch: scratch,
                configuration: configuration,
                settings: settings
            )
            let first = try fixture.current()

            for joke in 1...3 {
                try await fixture.feed(prefix, ratingLine(10_000, joke, 1))
            }
            #expect(await fixture.service.retrainRunning == false)
            try await fixture.feed(prefix, ratingLine(10_000, 4, 1))
            #expect(await fixture.service.retrainRunning)
            #expect(try fixture.current().live.learnedSinceRetrain == 4)

            var appendedDuringRetrain = 0
            for joke in 5...7 {
                try await Task.sleep(for: .milliseconds(40))
                if await fixture.service.retrainRunning { appendedDuringRetrain += 1 }
                try await fixture.feed(prefix, ratingLine(10_000, joke, 2))
            }
            let swapped = try await eventually(timeout: 60) {
                let running = await fixture.service.retrainRunning
                return try !running && fixture.current().training.finishedAt
                    > first.training.finishedAt
            }
            #expect(swapped)
            print("lines appended while the retrain ran: \(appendedDuringRetrain) of 3")

            let retrained = try fixture.current()
            #expect(retrained.version > first.version)
            #expect(retrained.live.learnedSinceRetrain < 4)
            #expect(retrained.ratings.count == first.ratings.count + 7)
            for joke in 1...7 {
                #expect(try fixture.storedRating(user: 10_000, joke: Int32(joke))
                        == (joke <= 4 ? 1 : 2))
            }
            #expect(retrained.live.rejectedRetrains == 0)
        }

        @Test func aTimeBoundStartsARetrainAfterTheFirstNewRating() async throws {
            var settings = LiveSettings()
            settings.retrainFraction = 1
            settings.retrainInterval = 0.05
            let fixture = try await LiveFixture.start(settings: settings)
            let first = try fixture.current()
            await fixture.service.tick()
            #expect(await fixture.service.retrainRunning == false)

            try await fixture.feed(prefix, ratingLine(12_000, 5, 1))
            let retrained = try await eventually(timeout: 30) {
                await fixture.service.tick()
                return try fixture.current().training.finishedAt > first.training.finishedAt
            }
            #expect(retrained)
            #expect(try fixture.current().live.learnedSinceRetrain == 0)
            #expect(try fixture.storedRating(user: 12_000, joke: 5) == 1)
        }

        @Test func withdrawnRatingsStartARetrainOnTheirOwn() async throws {
            var settings = LiveSettings()
            settings.minimumRetrainGap = 0.05
            let scratch = try Scratch()
            try scratch.copyData()
            try write(scratch.data + "/ratings-extra.dat", ratingLine(13_000, 5, 2))
            let fixture = try await LiveFixture.start(scratch: scratch, settings: settings)
            let first = try fixture.current()
            #expect(try fixture.storedRating(user: 13_000, joke: 5) == 2)

            try remove(fixture.path("ratings-extra.dat"))
            await fixture.service.handle(.removed("ratings-extra.dat"))
            let withdrawn = try await eventually(timeout: 30) {
                await fixture.service.tick()
                return try fixture.current().ratings.count == first.ratings.count - 1
            }
            #expect(withdrawn)
            #expect(try fixture.storedRating(user: 13_000, joke: 5) == nil)
        }

        /// A retrain reads the jokes file when it starts; a joke added while it trains must
        /// not vanish when its model is swapped in, nor its ratings be refused afterwards.
        @Test func aJokeAddedWhileARetrainRunsStaysServable() async throws {
            var configuration = ModelConfiguration.quick(epochs: 200)
            configuration.factor.patience = 1_000
            let progress = Mutex(0)
            let fixture = try await LiveFixture.start(configuration: configuration) {
                progress.withLock { $0 += 1 }
            }
            let first = try fixture.current()
            let before = progress.withLock { $0 }

            let service = fixture.service
            let retrain = Task { await service.retrainNow() }
            // The first sign of progress comes once the retrain has read the directory.
            #expect(await eventually(timeout: 30) { progress.withLock { $0 } > before })
            try append(fixture.path(DataDirectory.jokesFileName), "151:\n<p>A new joke</p>\n")
            await service.handle(.changed(DataDirectory.jokesFileName))
            try await fixture.feed(prefix, ratingLine(5, 151, 7))
            #expect(await service.retrainRunning, "the retrain ended before the joke was added")
            #expect(try fixture.current().catalog.text(of: 151) != nil)

            #expect(await retrain.value.code == .ok)
            let retrained = try fixture.current()
            #expect(retrained.training.finishedAt > first.training.finishedAt)
            #expect(retrained.catalog.text(of: 151)?.contains("A new joke") == true)
            #expect(try fixture.storedRating(user: 5, joke: 151) == 7)
            try await fixture.feed(prefix, ratingLine(6, 151, 5))
            #expect(try fixture.storedRating(user: 6, joke: 151) == 5)
            #expect(try fixture.current().data.rejections.count(of: .unknownJoke) == 0)
        }

        @Test(arguments: [Float(50), 10_000, 1e30])
        func aRetrainThatDivergesIsRejectedAndTheCurrentModelStays(learningRate: Float)
            async throws
        {
            var diverging = ModelConfiguration.quick(epochs: 3)
            diverging.factor.learningRate = learningRate
            let fixture = try await restored(configuration: diverging)
            let before = try fixture.current()

            let reply = await fixture.service.retrainNow()
            let after = try fixture.current()
            #expect(reply.code == .internalError, "\(reply)")
            print("learning rate \(learningRate): \(after.live.lastRejection ?? "not rejected")")
            #expect(after.live.rejectedRetrains == 1)
            #expect(after.training == before.training)
            #expect(after.predict(userID: 5, jokeID: 77) == before.predict(userID: 5, jokeID: 77))
        }

        @Test func aRetrainWithClearlyWorseValidationErrorIsRejected() async throws {
            var untrained = ModelConfiguration.quick(epochs: 1)
            untrained.factor.learningRate = 1e-7
            let fixture = try await restored(configuration: untrained)
            let before = try fixture.current()

            let reply = await fixture.service.retrainNow()
            let after = try fixture.current()
            #expect(reply.code == .internalError)
            #expect(after.live.rejectedRetrains == 1)
            #expect(after.live.lastRejection?.contains("worse") == true)
            print("untrained retrain: \(after.live.lastRejection ?? "not rejected")")
            #expect(after.training == before.training)
            #expect(after.predict(userID: 5, jokeID: 77) == before.predict(userID: 5, jokeID: 77))
        }

        /// A rejected retrain leaves the trigger where it was; starting the same doomed
        /// retrain on every later event or tick would keep a core busy for nothing.
        @Test func aRejectedRetrainIsNotStartedAgainOnTheNextEvent() async throws {
            var untrained = ModelConfiguration.quick(epochs: 1)
            untrained.factor.learningRate = 1e-7
            var settings = LiveSettings()
            settings.retrainFraction = 1e-6
            settings.minimumRetrainGap = 60
            let fixture = try await restored(configuration: untrained, settings: settings)

            try await fixture.feed(prefix, ratingLine(11_000, 1, 1))
            let rejected = try await eventually(timeout: 30) {
                let running = await fixture.service.retrainRunning
                return try !running && fixture.current().live.rejectedRetrains == 1
            }
            #expect(rejected)

            try await fixture.feed(prefix, ratingLine(11_000, 2, 1))
            let running = await fixture.service.retrainRunning
            #expect(running == false)
            #expect(try fixture.current().ratings.users.index(of: 11_000) != nil)
        }
    }
}
