import Glibc
import JesterCore
import JesterSystem
import Synchronization
import Testing

/// QueryServer in process, with a small published model, over a real Unix socket.
struct QueryServerTests {
    @Test func answersNotReadyBeforeTheFirstModel() throws {
        let fixture = try ServerFixture(publish: false)
        let connection = try fixture.connect()
        connection.send("predict 1 1\nsimilar 1\njoke 1\nstatus\nping\n")
        let replies = try connection.replies(5)

        for reply in replies.prefix(3) {
            #expect(reply.count == 1)
            #expect(reply[0].code == 503)
            #expect(reply[0].payload.contains("loading"))
        }
        #expect(replies[3].count == 1)
        #expect(replies[3][0].code == 200)
        #expect(replies[3][0].fields["state"] == "loading")
        #expect(replies[3][0].fields["uptime"] != nil)
        #expect(replies[4][0].payload == "pong")

        fixture.snapshots.setPhase("training")
        connection.send("status\n")
        #expect(try connection.reply()[0].fields["state"] == "training")
    }

    @Test func answersFromTheSnapshotOncePublished() throws {
        let fixture = try ServerFixture(publish: false)
        let connection = try fixture.connect()
        connection.send("predict 1 1\n")
        #expect(try connection.reply()[0].code == 503)

        fixture.snapshots.publish(SmallModel.snapshot)
        fixture.snapshots.setPhase("ready")
        connection.send("predict 1 2\nstatus\n")
        let replies = try connection.replies(2)

        let prediction = replies[0][0]
        #expect(prediction.code == 200)
        #expect(prediction.fields["user"] == "1")
        #expect(prediction.fields["joke"] == "2")
        #expect(prediction.fields["source"] == "model")
        let rating = try #require(prediction.fields["rating"].flatMap(Double.init))
        #expect((-10...10).contains(rating))

        let status = replies[1][0]
        #expect(status.fields["state"] == "ready")
        #expect(status.fields["model.version"] == "1")
        #expect(status.fields["jokes"] == "8")
        #expect(status.fields["users"] == "24")
    }

    @Test func similarListsOtherJokesWithTheirTexts() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("similar 3 4\n")
        let reply = try connection.reply()

        try #require(reply.count == 5)
        #expect(reply.allSatisfy { $0.code == 201 })
        #expect(reply.dropLast().allSatisfy { !$0.isLast })
        #expect(reply[4].isLast)
        let jokes = reply.dropLast().map { $0.fields["joke"] }
        #expect(!jokes.contains("3"))
        #expect(Set(jokes).count == 4)
        for line in reply.dropLast() {
            #expect(line.fields["text"] == "Joke number \(line.fields["joke"] ?? "?").")
        }
        #expect(reply[4].fields["count"] == "4")
        #expect(reply[4].fields["joke"] == "3")
    }

    @Test func answersAThousandPipelinedRequestsInOrder() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        let requests = (0..<1000).map { "predict \($0) \($0 % 8 + 1)\n" }.joined()
        #expect(connection.send(requests))

        let replies = try connection.replies(1000)
        #expect(replies.count == 1000)
        for (index, reply) in replies.enumerated() {
            let fields = reply[0].fields
            guard reply.count == 1, reply[0].code == 200, fields["user"] == "\(index)",
                  fields["joke"] == "\(index % 8 + 1)"
            else {
                Issue.record("reply \(index) out of order or wrong: \(reply)")
                break
            }
        }
    }

    @Test func closesAConnectionWhoseLineIsTooLongAndKeepsServing() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("ping\n" + String(repeating: "a", count: 5000) + "\nping\n")
        let bytes = try connection.readToEnd()
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")

        try #require(lines.count == 2)
        #expect(lines[0] == "200 pong")
        #expect(lines[1].hasPrefix("413 "))

        let next = try fixture.connect()
        next.send("ping\n")
        #expect(try next.reply()[0].payload == "pong")
    }

    @Test func sendsIdleTimeoutThenCloses() throws {
        var limits = ServerLimits()
        limits.idleTimeout = 0.2
        let fixture = try ServerFixture(limits: limits)
        let connection = try fixture.connect()
        connection.send("ping\n")
        #expect(try connection.reply()[0].payload == "pong")

        let started = monotonicSeconds()
        let bytes = try connection.readToEnd(timeout: 10)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("408 "))
        // The reply states the configured timeout, not the timeout rounded to whole seconds.
        #expect(text == "408 idle for 0.2 s; closing\n")
        #expect(text.hasSuffix("\n"))
        #expect(text.split(separator: "\n").count == 1)
        #expect(monotonicSeconds() - started >= 0.15)
    }

    @Test func refusesAConnectionBeyondTheCapWithBusy() throws {
        var limits = ServerLimits()
        limits.maxConnections = 2
        let fixture = try ServerFixture(limits: limits)
        let first = try fixture.connect()
        let second = try fixture.connect()
        first.send("ping\n")
        second.send("ping\n")
        #expect(try first.reply()[0].payload == "pong")
        #expect(try second.reply()[0].payload == "pong")

        let third = try fixture.connect()
        let text = String(decoding: try third.readToEnd(), as: UTF8.self)
        #expect(text.hasPrefix("429 "))
        #expect(text.split(separator: "\n").count == 1)

        // The two admitted connections still work, and a freed slot admits a new one.
        first.send("ping\n")
        #expect(try first.reply()[0].payload == "pong")
        second.close()
        #expect(eventually { fixture.server.openConnections == 1 })
        let fourth = try fixture.connect()
        fourth.send("ping\n")
        #expect(try fourth.reply()[0].payload == "pong")
    }

    /// Back-to-back requests on several connections, answered while at most the allowed
    /// number of threads busy-poll; once the clients pause, no thread keeps spinning.
    @Test(arguments: [0, 5_000])
    func busyPollingIsBoundedBySlotsAndTime(microseconds: Int) throws {
        var limits = ServerLimits()
        limits.busyPollMicroseconds = microseconds
        let fixture = try ServerFixture(limits: limits)
        let connections = try (0..<4).map { _ in try fixture.connect() }

        var mostSpinning = 0
        for round in 0..<150 {
            for (index, connection) in connections.enumerated() {
                connection.send("predict \(round) \(index + 1)\n")
            }
            for (index, connection) in connections.enumerated() {
                let reply = try connection.reply()
                #expect(reply[0].code == 200)
                #expect(reply[0].fields["user"] == "\(round)")
                #expect(reply[0].fields["joke"] == "\(index + 1)")
            }
            mostSpinning = max(mostSpinning, fixture.server.spinningConnections)
        }
        #expect(mostSpinning <= fixture.server.maxSpinners)
        #expect((mostSpinning > 0) == (microseconds > 0 && fixture.server.maxSpinners > 0))

        usleep(UInt32(microseconds) + 100_000)
        #expect(fixture.server.spinningConnections == 0)
        connections[0].send("ping\n")
        #expect(try connections[0].reply()[0].payload == "pong")
    }

    /// A client that never pauses keeps a thread spinning; stop must still end it promptly.
    @Test func stopEndsAConnectionWhoseClientNeverPauses() throws {
        var limits = ServerLimits()
        limits.busyPollMicroseconds = 10_000
        let fixture = try ServerFixture(limits: limits)
        let path = fixture.socketPath
        let running = Atomic(true)
        let answered = Atomic(0)
        let finished = Atomic(false)
        try startThread {
            defer { finished.store(true, ordering: .releasing) }
            guard let connection = try? TestConnection(path: path) else { return }
            while running.load(ordering: .relaxed) {
                guard connection.send("ping\n"), (try? connection.reply(timeout: 2)) != nil
                else { return }
                answered.add(1, ordering: .relaxed)
            }
        }
        let waitLimit = monotonicSeconds() + 10
        while answered.load(ordering: .relaxed) < 200, monotonicSeconds() < waitLimit {
            usleep(1_000)
        }
        #expect(answered.load(ordering: .relaxed) >= 200)

        let started = monotonicSeconds()
        fixture.server.stop(timeout: 5)
        let stopSeconds = monotonicSeconds() - started
        running.store(false, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(1_000) }
        #expect(stopSeconds < 1)
        #expect(fixture.server.openConnections == 0)
    }

    @Test func processorCountFollowsTheAffinityMask() {
        let status = "Name:\tjesterd\nCpus_allowed:\t00000000,00000005\nCpus_allowed_list:\t0,2\n"
        #expect(usableProcessorCount(status: status, online: 8) == 2)
        #expect(usableProcessorCount(status: "Cpus_allowed:\tff\n", online: 4) == 4)
        #expect(usableProcessorCount(status: "Name:\tx\n", online: 3) == 3)
        #expect((1...max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))).contains(usableProcessorCount()))
    }

    @Test func answersBinaryGarbageWithBadRequestAndStaysOpen() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        let garbage: [[UInt8]] = [
            [0x00],
            [0xFF, 0xFE, 0xFD],
            [0x00, 0x70, 0x69, 0x6E, 0x67],
            Array("ping\u{0}".utf8),
            [0xC3, 0x28, 0x0D],
            Array("\u{1B}[2J".utf8),
            Array("predict\u{0} 1 1".utf8),
            [],
            Array(" \t ".utf8),
            Array("predict 1 \u{FF}".utf8),
            (0..<255).map { UInt8($0) }.filter { $0 != 0x0A },
        ]
        var bytes: [UInt8] = []
        for line in garbage { bytes += line + [0x0A] }
        connection.send(bytes + Array("ping\n".utf8))

        let replies = try connection.replies(garbage.count + 1)
        for (index, reply) in replies.prefix(garbage.count).enumerated() {
            #expect(reply.count == 1)
            #expect(reply[0].code == 400, "line \(index): \(reply)")
        }
        #expect(replies[garbage.count][0].payload == "pong")

        connection.send("joke 1\n")
        #expect(try connection.reply()[0].fields["text"] == "Joke number 1.")
    }

    @Test func survivesAClientThatLeavesWithoutReading() throws {
        let fixture = try ServerFixture()
        for _ in 0..<3 {
            let connection = try fixture.connect()
            let requests = String(repeating: "similar 1 7\n", count: 5000)
            connection.send(requests)
            connection.close()
        }
        #expect(eventually { fixture.server.openConnections == 0 })

        let next = try fixture.connect()
        next.send("ping\nsimilar 1 2\n")
        let replies = try next.replies(2)
        #expect(replies[0][0].payload == "pong")
        // A whole list: its items, then a last line that counts them.
        let listed = replies[1].dropLast().count
        #expect(listed >= 1 && replies[1].last?.fields["count"] == String(listed))
    }

    @Test func quitSaysByeAndCloses() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("quit\nping\n")
        let text = String(decoding: try connection.readToEnd(), as: UTF8.self)
        #expect(text == "221 bye\n")
    }

    @Test func switchesToJSONAndBack() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("format json\npredict 2 3\nnope\nformat text\nping\n")
        let replies = try connection.replies(5)
        #expect(replies[0][0].payload == #"{"format":"json"}"#)
        #expect(replies[1][0].payload.hasPrefix(#"{"user":2,"joke":3,"rating":"#))
        #expect(replies[2][0].code == 400)
        #expect(replies[2][0].payload.hasPrefix(#"{"error":"#))
        #expect(replies[3][0].payload == "format=text")
        #expect(replies[4][0].payload == "pong")
    }

    @Test func stopRemovesTheSocketAndRefusesLaterConnections() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("ping\n")
        #expect(try connection.reply()[0].payload == "pong")

        fixture.server.stop()
        let result = access(fixture.socketPath, F_OK)
        let code = errno
        #expect(result == -1)
        #expect(code == ENOENT)
        #expect(try connection.readToEnd().isEmpty)
        #expect {
            _ = try connectUnixSocket(fixture.socketPath)
        } throws: { error in
            guard case SocketError.system(let failure) = error else { return false }
            return failure.call == "connect" && failure.errno == ENOENT
        }
    }
}
