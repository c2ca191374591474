import Foundation
import Glibc
import JesterCore
import JesterSystem
import Testing

/// Milliseconds, for printed latencies.
func milliseconds(_ seconds: Double) -> String {
    ReplyText.fixed(seconds * 1000, decimals: 1) + " ms"
}

extension RawClient {
    /// The `rating` field of `predict USER JOKE`, failing unless the reply is a 200.
    func predicted(_ user: Int, _ joke: Int) throws -> (rating: String, source: String) {
        let reply = try request("predict \(user) \(joke)")
        guard reply.code == 200, let rating = reply.field("rating"),
              let source = reply.field("source") else {
            throw SetupError("predict \(user) \(joke): \(reply)")
        }
        return (rating, source)
    }

    func status() throws -> RawReply { try request("status") }

    /// The status reply as text for a failure message, or why there is none.
    var statusText: String { (try? status()).map { "\($0)" } ?? "no status reply" }
}

extension OneAtATime {
    /// The built jesterd on a copy of the data, driven by the built jesterctl and a raw
    /// socket client; every wait is bounded, and latencies are printed, not asserted.
    @Suite struct DaemonLiveTests {
        @Test func anAppendedLineChangesPredictAndStatusWithinMoments() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }
            let client = try RawClient(daemon.socket)
            let before = try jesterctl(["predict", "5", "77"], socket: daemon.socket, in: scratch)
            #expect(before.status == 0)
            let oldRating = try client.predicted(5, 77).rating
            let oldStatus = try client.status()
            #expect(oldStatus.integer("learned.since-retrain") == 0)

            let file = scratch.data + "/ratings-ds2-prefix.dat"
            try append(file, "5\t\t77\t\t9.5\n")
            let written = monotonicSeconds()
            let changed = try await eventually(timeout: 10) {
                try client.predicted(5, 77).rating != oldRating
            }
            let latency = monotonicSeconds() - written
            #expect(changed, "log:\n\(daemon.log)")
            print("append to changed predict over the socket: \(milliseconds(latency))")

            let after = try jesterctl(["predict", "5", "77"], socket: daemon.socket, in: scratch)
            #expect(after.status == 0)
            #expect(after.stdout != before.stdout)
            #expect(after.stdout.contains("source: model"))
            let status = try jesterctl(["status"], socket: daemon.socket, in: scratch)
            #expect(status.stdout.contains(/learned\.since-retrain\s+1\n/), "\(status)")

            let raw = try client.status()
            #expect(raw.integer("learned.since-retrain") == 1)
            #expect(raw.integer("ratings") == (oldStatus.integer("ratings") ?? 0) + 1)
            #expect(raw.integer("pending.bytes") == 0)
            let fileLine = raw.lines.first { $0.contains("file=ratings-ds2-prefix.dat") }
            let size = fileSize(file)
            #expect(fileLine?.contains("offset=\(size) size=\(size) pending=0") == true,
                    "\(raw)")
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }

        @Test func rateAppendsADurableLineThatChangesPredict() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }
            let client = try RawClient(daemon.socket)
            let oldRating = try client.predicted(5, 77).rating
            let inbox = scratch.data + "/" + InboxWriter.fileName

            let rated = try jesterctl(["rate", "5", "77", "-3"], socket: daemon.socket,
                                      in: scratch)
            let answered = monotonicSeconds()
            #expect(rated.status == 0, "\(rated)")
            #expect(rated.stdout.contains("Recorded"))
            // The reply comes only once the line is in the file.
            #expect(try String(decoding: Files.read(inbox), as: UTF8.self) == "5\t\t77\t\t-3\n")
            let changed = try await eventually(timeout: 10) {
                try client.predicted(5, 77).rating != oldRating
            }
            #expect(changed)
            print("rate reply to changed predict: \(milliseconds(monotonicSeconds() - answered))")
            let lowered = try client.predicted(5, 77).rating
            #expect((Double(lowered) ?? 99) < (Double(oldRating) ?? -99))

            let reply = try client.request("rate 6 77 2.5")
            #expect(reply.code == 200, "\(reply)")
            #expect(reply.field("file") == InboxWriter.fileName)
            #expect(try await eventually(timeout: 10) {
                try client.status().integer("learned.since-retrain") == 2
            })

            // A full retrain reads the inbox like any ratings file.
            let retrained = try jesterctl(["retrain"], socket: daemon.socket, in: scratch)
            #expect(retrained.status == 0, "\(retrained)")
            #expect(retrained.stdout.contains("Retrained: model version"))
            let status = try client.status()
            #expect(status.integer("learned.since-retrain") == 0)
            #expect(status.integer("ratings") == (try distinctPairs(in: scratch.data)))
            let saved = try jesterctl(["snapshot"], socket: daemon.socket, in: scratch)
            #expect(saved.status == 0, "\(saved)")
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
            #expect(try String(decoding: Files.read(inbox), as: UTF8.self)
                    == "5\t\t77\t\t-3\n6\t\t77\t\t2.5\n")
        }

        @Test func rateRefusesBadInputLocallyAndOnTheSocket() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }

            let outOfRange = try jesterctl(["rate", "5", "77", "11"], socket: daemon.socket,
                                           in: scratch)
            #expect(outOfRange.status == 64, "\(outOfRange)")
            let badUser = try jesterctl(["rate", "x", "1", "1"], socket: daemon.socket,
                                        in: scratch)
            #expect(badUser.status == 64, "\(badUser)")
            let unknown = try jesterctl(["rate", "5", "999", "1"], socket: daemon.socket,
                                        in: scratch)
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stderr.contains("404"))

            let client = try RawClient(daemon.socket)
            #expect(try client.request("rate 5 77 11").code == 422)
            #expect(try client.request("rate 5 77 -10.5").code == 422)
            #expect(try client.request("rate 5 999 1").code == 404)
            #expect(try client.request("rate x 1 1").code == 400)
            #expect(try client.request("rate 5 77").code == 400)
            #expect(try client.request("rate 5 77 lots").code == 400)
            #expect(try client.request("ping").code == 200)
            #expect(access(scratch.data + "/" + InboxWriter.fileName, F_OK) != 0)
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }

        @Test func aPeerThatIsNoAdminGetsForbidden() async throws {
            guard let asNobody else {
                print("SKIPPED the non-admin check: no setpriv to run jesterctl as nobody")
                return
            }
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }
            // jesterd's socket is 0660 and its directory private: open both for this test.
            #expect(chmod(scratch.path, 0o711) == 0)
            #expect(chmod(daemon.socket, 0o666) == 0)

            let status = try jesterctl(["status"], socket: daemon.socket, in: scratch,
                                       prefix: asNobody)
            #expect(status.status == 0, "nobody cannot reach the socket: \(status)")
            for arguments in [["rate", "5", "77", "1"], ["retrain"], ["snapshot"]] {
                let refused = try jesterctl(arguments, socket: daemon.socket, in: scratch,
                                            prefix: asNobody)
                #expect(refused.status == 1, "\(arguments): \(refused)")
                #expect(refused.stderr.contains("403"), "\(arguments): \(refused)")
            }
            #expect(access(scratch.data + "/" + InboxWriter.fileName, F_OK) != 0)

            // The same verbs from this process, root, go through.
            let client = try RawClient(daemon.socket)
            #expect(try client.request("snapshot").code == 200)
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }

        @Test func membersOfTheAdminGroupMayRate() async throws {
            guard let asNobody, AdminPolicy.groupID(named: "nogroup") == 65_534 else {
                print("SKIPPED the admin group check: no setpriv or no group nogroup (65534)")
                return
            }
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch,
                                               extraArguments: ["--admin-group", "nogroup"])
            defer { daemon.kill() }
            #expect(chmod(scratch.path, 0o711) == 0)
            #expect(chmod(daemon.socket, 0o666) == 0)

            let rated = try jesterctl(["rate", "5", "77", "1"], socket: daemon.socket, in: scratch,
                                      prefix: asNobody)
            #expect(rated.status == 0, "\(rated)")
            #expect(try String(decoding: Files.read(scratch.data + "/" + InboxWriter.fileName),
                               as: UTF8.self) == "5\t\t77\t\t1\n")
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }

        @Test func aRemovedDataDirectoryIsReportedAndLearnedFromWhenItReturns() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }
            let client = try RawClient(daemon.socket)
            #expect(try client.predicted(555_555, 8).source == "fallback:joke-mean")

            let saved = try Files.list(scratch.data).map {
                ($0, try Files.read(scratch.data + "/" + $0))
            }
            try FileManager.default.removeItem(atPath: scratch.data)
            let warned = await eventually(timeout: 10) {
                daemon.log.contains("warning: data directory removed or replaced")
            }
            #expect(warned, "log:\n\(daemon.log)")
            #expect(try client.request("ping").code == 200)

            #expect(mkdir(scratch.data, 0o755) == 0)
            for (name, bytes) in saved { try write(scratch.data + "/" + name, bytes) }
            let back = await eventually(timeout: 10) {
                daemon.log.contains("data directory is back")
            }
            #expect(back, "log:\n\(daemon.log)")

            try append(scratch.data + "/ratings-ds2-prefix.dat", ratingLine(555_555, 77, 9))
            let written = monotonicSeconds()
            let learned = try await eventually(timeout: 30) {
                try client.predicted(555_555, 8).source == "model"
            }
            #expect(learned, "log:\n\(daemon.log)")
            print("after the directory returned, append to learned: "
                  + milliseconds(monotonicSeconds() - written))
            let expected = try distinctPairs(in: scratch.data)
            let counted = try await eventually(timeout: 30) {
                try client.status().integer("ratings") == expected
            }
            #expect(counted, "status: \(client.statusText); expected \(expected)")
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }
    }
}
