import Glibc
import Testing
@testable import JesterCore
@testable import JesterSystem

extension OneAtATime {
    /// Ratings waiting for a full retrain to withdraw them must not vanish from view across a
    /// restart: no state is saved while they wait, and the state saved before them, with the
    /// rescan after the restart, withdraws them again.
    @Suite struct PendingWithdrawalTests {
        @Test func aDeletedFileIsStillWithdrawnAfterARestartBeforeTheRetrain() async throws {
            var settings = LiveSettings()
            settings.minimumRetrainGap = 3_600
            let fixture = try await LiveFixture.start(settings: settings, savingState: true)
            try await fixture.feed("ratings-spam.dat", ratingLine(900_001, 5, -10))
            #expect(await fixture.service.saveState())
            let withSpam = try fixture.current().ratings.count

            unlink(fixture.path("ratings-spam.dat"))
            await fixture.service.handle(.removed("ratings-spam.dat"))
            #expect(await fixture.service.saveState() == false)

            let restarted = try await LiveFixture.start(scratch: fixture.scratch, settings: settings,
                                                        savingState: true)
            #expect(try restarted.current().ratings.count == withSpam)
            #expect(await restarted.service.withdrawalsPending)
            #expect(await restarted.service.retrainNow().code == .ok)
            #expect(try restarted.current().ratings.count == withSpam - 1)
            #expect(try restarted.storedRating(user: 900_001, joke: 5) == nil)
        }
    }
}
