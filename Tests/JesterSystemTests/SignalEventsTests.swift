import Glibc
import JesterSystem
import Testing

/// SignalEvents with real signals sent to the test process.
struct SignalEventsTests {
    @Test func deliversASignalSentToTheProcess() async throws {
        let events = SignalEvents([SIGUSR1])
        let received = await withTaskGroup(of: Int32?.self) { group -> Int32? in
            group.addTask {
                for await number in events.stream { return number }
                return nil
            }
            // A signal sent before the dispatch source is registered with the kernel is
            // dropped, so it is sent again until one arrives, for at most ten seconds.
            group.addTask {
                let deadline = monotonicSeconds() + 10
                while monotonicSeconds() < deadline {
                    kill(getpid(), SIGUSR1)
                    do { try await Task.sleep(for: .milliseconds(50)) } catch { return nil }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        #expect(received == SIGUSR1)
    }
}
