import Glibc
import Testing

/// Raw protocol connections to the built jesterd.
struct ProtocolTests {
    @Test func errorRepliesLeaveTheConnectionUsable() throws {
        try withDaemon { daemon in
            let connection = try RawConnection(daemon.socket)
            let cases: [(request: String, code: Int, message: String)] = [
                ("frobnicate 1", 400, #"unknown verb "frobnicate"; try "help""#),
                ("similar 1 0", 422, "N must be from 1 to 100, not 0"),
                ("predict 1 99999", 404, "unknown joke 99999"),
                ("predict 1", 400, "usage: predict USER JOKE"),
                ("joke -3", 400, #"JOKE must be an integer from 0 to 2147483647, not "-3""#),
                ("", 400, #"empty request; try "help""#),
            ]
            for item in cases {
                connection.send(item.request + "\n")
                let reply = try connection.reply()
                #expect(reply.lines == ["\(item.code) \(item.message)"], "\(item.request)")
                connection.send("ping\n")
                #expect(try connection.reply().lines == ["200 pong"], "after \(item.request)")
            }
        }
    }

    @Test func pipelinedMixedRequestsAreAnsweredInOrder() throws {
        try withDaemon { daemon in
            // A line count of 0 stands for any: status has a line per ratings file.
            let kinds: [(request: (Int) -> String, code: Int, lines: Int)] = [
                ({ "predict \($0) \($0 % 100 + 5)" }, 200, 1),
                ({ _ in "ping" }, 200, 1),
                ({ "joke \($0 % 150 + 1)" }, 200, 1),
                ({ _ in "similar 5 2" }, 201, 3),
                ({ _ in "bogus" }, 400, 1),
                ({ _ in "similar 1 0" }, 422, 1),
                ({ _ in "predict 1 99999" }, 404, 1),
                ({ _ in "STATUS" }, 200, 0),
            ]
            let plan = (0..<200).map { index in (index, kinds[index % kinds.count]) }
            let connection = try RawConnection(daemon.socket)
            #expect(connection.send(plan.map { $0.1.request($0.0) + "\n" }.joined()))

            let replies = try connection.replies(plan.count)
            #expect(replies.count == 200)
            for ((index, kind), reply) in zip(plan, replies) {
                let request = kind.request(index)
                #expect(reply.code == kind.code, "\(request): \(reply)")
                if kind.lines > 0 {
                    #expect(reply.lines.count == kind.lines, "\(request): \(reply)")
                }
                if request == "STATUS" {
                    #expect(reply.field("state") == "ready", "\(request): \(reply)")
                }
                if request.hasPrefix("predict"), kind.code == 200 {
                    #expect(reply.field("user") == "\(index)", "\(request): \(reply)")
                    #expect(reply.field("joke") == "\(index % 100 + 5)")
                }
                if request.hasPrefix("joke") {
                    #expect(reply.field("joke") == "\(index % 150 + 1)", "\(request): \(reply)")
                }
            }
        }
    }

    @Test func aGarbageClientIsCutOffWhileOthersAreServed() throws {
        try withDaemon { daemon in
            let bystander = try RawConnection(daemon.socket)
            let garbage = try RawConnection(daemon.socket)

            var generator = SystemRandomNumberGenerator()
            var lines: [[UInt8]] = []
            for index in 0..<50 {
                let length = Int.random(in: 0...300, using: &generator)
                var line: [UInt8] = [index % 2 == 0 ? 0x00 : 0xFF]
                line += (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                lines.append(line.filter { $0 != 0x0A })
            }
            let oneMegabyte = (0..<(1 << 20)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }.filter { $0 != 0x0A }
            garbage.send(lines.flatMap { $0 + [0x0A] })
            garbage.send(oneMegabyte)

            let refused = try garbage.replies(lines.count)
            #expect(refused.allSatisfy { $0.code == 400 && $0.lines.count == 1 })
            let rest = try garbage.readToEnd()
            #expect(rest.hasPrefix("413 request line longer than 4096 bytes"), "\(rest)")
            #expect(rest.split(separator: "\n").count == 1)

            bystander.send("ping\n")
            #expect(try bystander.reply().lines == ["200 pong"])
            let newcomer = try RawConnection(daemon.socket)
            newcomer.send("joke 1\n")
            #expect(try newcomer.reply().lines[0].contains("A man visits the doctor"))
            #expect(daemon.process.isRunning)
        }
    }

    @Test func clientsLeavingMidReplyDoNotStopTheDaemon() throws {
        try withDaemon { daemon in
            let flood = String(repeating: "similar 5 100\n", count: 2000)
            for _ in 0..<5 {
                let connection = try RawConnection(daemon.socket)
                connection.send(flood)
                connection.close()
            }
            let halfRead = try RawConnection(daemon.socket)
            halfRead.send(flood)
            _ = try halfRead.reply()
            halfRead.close()

            let connection = try RawConnection(daemon.socket)
            connection.send("ping\nsimilar 5 3\n")
            let replies = try connection.replies(2)
            #expect(replies[0].lines == ["200 pong"])
            #expect(replies[1].lines.count == 4)
            #expect(daemon.process.isRunning)
        }
    }

    @Test func quitClosesTheConnection() throws {
        try withDaemon { daemon in
            let connection = try RawConnection(daemon.socket)
            connection.send("ping\r\nquit\nping\n")
            #expect(try connection.readToEnd() == "200 pong\n221 bye\n")
        }
    }
}
