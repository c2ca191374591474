import Foundation
import Glibc
import JesterCore
import JesterSystem
import Testing

/// Connects and sends `predict` until a 200 comes back; returns the seconds since `start`.
private func firstAnsweredQuery(_ daemon: Daemon, since start: Double) async throws -> Double {
    var answered: Double?
    _ = await eventually(timeout: 60) {
        guard daemon.process.isRunning,
              let client = try? RawClient(daemon.socket),
              let reply = try? client.request("predict 5 77"), reply.code == 200
        else { return !daemon.process.isRunning }
        answered = monotonicSeconds()
        return true
    }
    guard let answered else {
        throw SetupError("jesterd never answered: \(daemon.process.outcome)")
    }
    return answered - start
}

extension OneAtATime {
    /// Saved state across restarts and crashes of the built jesterd.
    @Suite struct DaemonStateTests {
        @Test func aRestartServesFromTheSavedStateAndLearnsWhatWasAppendedMeanwhile()
            async throws
        {
            let scratch = try Scratch()
            try scratch.copyData()
            let prefix = scratch.data + "/ratings-ds2-prefix.dat"
            let first = try await readyDaemon(scratch)
            defer { first.kill() }
            let client = try RawClient(first.socket)
            try append(prefix, ratingLine(5, 77, 9.5))
            #expect(try await eventually(timeout: 10) {
                try client.status().integer("learned.since-retrain") == 1
            })
            #expect(try first.stop() == 0, "log:\n\(first.log)")
            #expect(first.log.contains("state saved"))

            for joke in 1...3 { try append(prefix, ratingLine(123_456, joke, 4)) }
            try append(scratch.data + "/ratings-later.dat", ratingLine(1, 5, -7))

            let second = try Daemon(scratch)
            defer { second.kill() }
            let seconds = try await firstAnsweredQuery(second, since: second.spawnedAt)
            print("restart from saved state: first answered query \(milliseconds(seconds)) "
                  + "after spawning jesterd")
            try await second.waitUntilReady()
            #expect(second.log.contains("info: saved state restored"), "log:\n\(second.log)")
            #expect(!second.log.contains("training started"), "log:\n\(second.log)")

            let restarted = try RawClient(second.socket)
            let expected = try distinctPairs(in: scratch.data)
            let caughtUp = try await eventually(timeout: 10) {
                try restarted.status().integer("ratings") == expected
            }
            #expect(caughtUp, "status: \(restarted.statusText); expected \(expected)")
            let status = try restarted.status()
            #expect(status.integer("learned.since-retrain") == 5)
            #expect(try restarted.predicted(123_456, 8).source == "model")
            #expect(try second.stop() == 0, "log:\n\(second.log)")
        }

        /// A stop right after a restore, with nothing learned, writes no new state: the one
        /// restored still says everything.
        @Test func aStopWithNothingNewWritesNoState() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let first = try await readyDaemon(scratch)
            defer { first.kill() }
            #expect(try first.stop() == 0, "log:\n\(first.log)")
            let saved = try Files.list(scratch.state)
            #expect(saved.count == 1, "\(saved)\n\(first.log)")

            let second = try await readyDaemon(scratch)
            defer { second.kill() }
            #expect(second.log.contains("info: saved state restored"), "log:\n\(second.log)")
            #expect(try second.stop() == 0, "log:\n\(second.log)")
            #expect(second.log.contains("state unchanged since saved"), "log:\n\(second.log)")
            #expect(!second.log.contains("state saved"), "log:\n\(second.log)")
            #expect(try Files.list(scratch.state) == saved)

            let third = try await readyDaemon(scratch)
            defer { third.kill() }
            #expect(third.log.contains("info: saved state restored"), "log:\n\(third.log)")
            let client = try RawClient(third.socket)
            try append(scratch.data + "/ratings-ds2-prefix.dat", ratingLine(5, 77, 9.5))
            #expect(try await eventually(timeout: 10) {
                try client.status().integer("learned.since-retrain") == 1
            })
            #expect(try third.stop() == 0, "log:\n\(third.log)")
            #expect(third.log.contains("state saved"), "log:\n\(third.log)")
        }

        /// jesterd is killed with SIGKILL at seeded random moments, and in every other round
        /// the moment it starts writing a state, and must start correctly every time, with
        /// every rating on disk learned exactly once.
        @Test func killedAtAnyMomentItStartsAgainWithEveryRating() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            _ = try scratch.makeDirectory("state")
            let prefix = scratch.data + "/ratings-ds2-prefix.dat"
            let second = scratch.data + "/ratings-crash.dat"
            let temporary = scratch.state + "/state.tmp"
            let arguments = ["--save-interval", "0.05", "--retrain-fraction", "0.0001"]
            var generator = SeededGenerator(seed: 20_260_101)
            var restoredStarts = 0
            var killsMidWrite = 0
            var readyTimes: [String] = []

            for round in 0..<8 {
                if round == 4 { try write(temporary, Array("a torn write".utf8)) }
                let daemon = try Daemon(scratch, extraArguments: arguments)
                defer { daemon.kill() }
                try await daemon.waitUntilReady()
                readyTimes.append(milliseconds(monotonicSeconds() - daemon.spawnedAt))
                if daemon.log.contains("saved state restored") { restoredStarts += 1 }
                let client = try RawClient(daemon.socket)
                let expected = try distinctPairs(in: scratch.data)
                let counted = try await eventually(timeout: 20) {
                    try client.status().integer("ratings") == expected
                }
                #expect(counted, """
                    round \(round): \(client.statusText); expected \(expected)
                    log:
                    \(daemon.log)
                    """)
                #expect(try client.predicted(5, 77).source == "model")

                // Every other round, kill the moment state.tmp is created.
                let watcher = round % 2 == 1
                    ? try DirectoryWatcher(path: scratch.state, retryInterval: 0.05) : nil
                try watcher?.start()
                defer { watcher?.stop() }
                let writes = watcher.map(EventRecorder.recording)
                if round == 4 { _ = unlink(temporary) }

                for joke in 1...4 { try append(prefix, ratingLine(300_000 + round, joke, 2)) }
                try append(second, ratingLine(400_000 + round, 9, -1))
                try append(prefix, ratingLine(1, 5, Double(round)))
                if let writes {
                    let seen = await writes.first(.changed("state.tmp"), timeout: 10)
                    daemon.kill()
                    if seen == nil { print("round \(round): no state write within 10 s") }
                } else {
                    try await Task.sleep(for: .microseconds(generator.next() % 300_001))
                    daemon.kill()
                }
                #expect(daemon.process.poll() == 128 + SIGKILL)
                if access(temporary, F_OK) == 0 { killsMidWrite += 1 }
            }

            let last = try await readyDaemon(scratch)
            defer { last.kill() }
            let client = try RawClient(last.socket)
            let expected = try distinctPairs(in: scratch.data)
            let counted = try await eventually(timeout: 20) {
                try client.status().integer("ratings") == expected
            }
            #expect(counted, "\(client.statusText); expected \(expected)\nlog:\n\(last.log)")
            #expect(try client.predicted(300_007, 8).source == "model")
            #expect(try last.stop() == 0, "log:\n\(last.log)")
            print("""
                crash test: 8 kills, \(killsMidWrite) of them during a state write \
                (state.tmp left behind); \(restoredStarts) of 8 starts restored a saved state; \
                ready after \(readyTimes.joined(separator: ", "))
                """)
        }
    }
}
