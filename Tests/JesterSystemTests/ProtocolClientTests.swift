import Glibc
import JesterCore
import JesterSystem
import Synchronization
import Testing

/// ProtocolClient and ReplyReader against a live QueryServer.
struct ProtocolClientTests {
    @Test func receivesPipelinedRepliesOneAtATime() throws {
        let fixture = try ServerFixture()
        let client = try ProtocolClient(path: fixture.socketPath, timeout: 10)
        try client.send(["ping", "predict 4 5", "similar 2 3", "joke 6", "nope", "version"])

        let pong = try client.receive()
        #expect(pong == [ReceivedLine("200 pong")!])

        let prediction = try client.receive()
        #expect(prediction.count == 1)
        #expect(prediction[0].code == 200)
        #expect(prediction[0].fields["user"] == "4")
        #expect(prediction[0].fields["source"] == "model")

        let similar = try client.receive()
        #expect(similar.count == 4)
        #expect(similar.map(\.code) == [201, 201, 201, 201])
        #expect(similar.map(\.isLast) == [false, false, false, true])

        let joke = try client.receive()
        #expect(joke[0].fields == ["joke": "6", "text": "Joke number 6."])

        let refused = try client.receive()
        #expect(refused[0].code == 400)
        #expect(refused[0].payload.contains("unknown verb \"nope\""))

        let version = try client.receive()
        #expect(version[0].fields["version"] == "9.9.9")
        #expect(version[0].fields["protocol"] == "\(QuerySession.protocolVersion)")
    }

    @Test func readerSplitsTheSameBytesIntoTheSameRepliesAtEveryChunkSize() throws {
        let fixture = try ServerFixture()
        let connection = try fixture.connect()
        connection.send("similar 1 5\nstatus\nhelp\npredict 3 3\nquit\n")
        let bytes = try connection.readToEnd()

        var whole = ReplyReader()
        let expected = try whole.feed(bytes)
        #expect(expected.count == 5)
        #expect(expected.map { $0[0].code } == [201, 200, 200, 200, 221])

        for size in [1, 2, 3, 7, 64, 1000] {
            var reader = ReplyReader()
            var replies: [[ReceivedLine]] = []
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                replies += try reader.feed(bytes[start..<end])
                start = end
            }
            #expect(replies == expected, "chunk size \(size)")
        }
    }

    @Test func reportsAnUnreachablePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("none.sock")
        #expect {
            _ = try ProtocolClient(path: path)
        } throws: { error in
            guard case ClientError.unreachable(let reason) = error else { return false }
            return reason.contains(path)
        }
    }

    @Test func reportsAConnectionClosedBeforeAReply() throws {
        let fixture = try ServerFixture()
        let client = try ProtocolClient(path: fixture.socketPath, timeout: 10)
        try client.send(["quit"])
        #expect(try client.receive()[0].code == 221)
        #expect {
            _ = try client.receive()
        } throws: { error in
            guard case ClientError.unreachable = error else { return false }
            return true
        }
    }

    /// Hands a client to another thread; the test thread only reads the result.
    private final class Exchange: @unchecked Sendable {
        let client: ProtocolClient
        let result = Mutex<Result<[ReceivedLine], ClientError>?>(nil)
        init(_ client: ProtocolClient) { self.client = client }
    }

    @Test func receiveTimesOutWhenTheTimeoutIsUnderASecond() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("mute.sock")
        // Listens but never accepts, so nothing ever answers.
        let listener = try UnixListener(path: path)
        defer { listener.close() }
        let exchange = Exchange(try ProtocolClient(path: path, timeout: 0.3))
        try exchange.client.send(["ping"])

        let started = monotonicSeconds()
        try startThread {
            let outcome = Result { () throws(ClientError) in try exchange.client.receive() }
            exchange.result.withLock { $0 = outcome }
        }
        let finished = eventually(timeout: 5) { exchange.result.withLock { $0 != nil } }
        #expect(finished, "receive() with a 0.3 s timeout still waiting after 5 s")
        if !finished {
            // Closing the listener resets the unaccepted connection and unblocks receive().
            listener.close()
            _ = eventually(timeout: 5) { exchange.result.withLock { $0 != nil } }
            return
        }
        #expect(monotonicSeconds() - started < 2)
        let outcome = exchange.result.withLock { $0 }
        guard case .failure(.timedOut) = outcome else {
            Issue.record("expected timedOut, got \(String(describing: outcome))")
            return
        }
    }
}
