import Foundation
import Glibc
import Testing

/// The built jesterctl against the built jesterd, comparing stdout, stderr and exit status.
struct JesterctlTests {
    private func ctl(_ daemon: Daemon, _ arguments: String...) throws -> Outcome {
        try jesterctl(["--socket", daemon.socket] + arguments, in: daemon.workspace)
    }

    @Test func predictPrintsARatingFromTheModelForAUserInTheData() throws {
        try withDaemon { daemon in
            let outcome = try ctl(daemon, "predict", "5", "77")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stderr.isEmpty)
            let pattern =
                /Predicted rating of joke 77 for user 5: (-?\d+\.\d\d) \(source: model\)\n/
            let match = try #require(outcome.stdout.wholeMatch(of: pattern), "\(outcome)")
            let rating = try #require(Double(match.1))
            #expect((-10...10).contains(rating))
        }
    }

    @Test func predictFallsBackToTheJokeMeanForAUserNotInTheData() throws {
        try withDaemon { daemon in
            let outcome = try ctl(daemon, "predict", "5000", "77")
            #expect(outcome.status == 0, "\(outcome)")
            let pattern =
                /Predicted rating of joke 77 for user 5000: (-?\d+\.\d\d) \(source: (\S+)\)\n/
            let match = try #require(outcome.stdout.wholeMatch(of: pattern), "\(outcome)")
            #expect(match.2 == "fallback:joke-mean")
            #expect(Double(match.1).map { (-10...10).contains($0) } == true)
        }
    }

    /// The ranked entries of `similar` output: rank, joke id and the text lines below it.
    private func similarEntries(_ stdout: String) -> [(rank: Int, joke: Int, text: String)] {
        var entries: [(rank: Int, joke: Int, text: String)] = []
        for line in stdout.split(separator: "\n") {
            if let match = line.wholeMatch(of: /(\d+)\. Joke (\d+) \(similarity -?\d\.\d{3}\)/) {
                entries.append((Int(match.1)!, Int(match.2)!, ""))
            } else if line.hasPrefix("   "), !entries.isEmpty {
                entries[entries.count - 1].text += line.dropFirst(3) + " "
            }
        }
        return entries
    }

    @Test func similarPrintsThreeOtherJokesWithTheirTexts() throws {
        try withDaemon { daemon in
            let outcome = try ctl(daemon, "similar", "5")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stderr.isEmpty)
            #expect(outcome.stdout.hasPrefix("Jokes like joke 5:\n\n"))
            let entries = similarEntries(outcome.stdout)
            #expect(entries.map(\.rank) == [1, 2, 3], "\(outcome.stdout)")
            #expect(!entries.map(\.joke).contains(5))
            #expect(Set(entries.map(\.joke)).count == 3)
            #expect(entries.allSatisfy { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty })

            let five = try ctl(daemon, "similar", "5", "5")
            #expect(five.status == 0, "\(five)")
            let fiveEntries = similarEntries(five.stdout)
            #expect(fiveEntries.map(\.rank) == [1, 2, 3, 4, 5], "\(five.stdout)")
            #expect(!fiveEntries.map(\.joke).contains(5))
            #expect(fiveEntries.prefix(3).map(\.joke) == entries.map(\.joke))
        }
    }

    @Test func similarToAJokeWithoutRatingsIsNotFound() throws {
        // Dataset 2 has no ratings of joke 2, so nothing is known to be like it.
        try withDaemon { daemon in
            let outcome = try ctl(daemon, "similar", "2")
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stdout.isEmpty)
            #expect(outcome.stderr
                == "jesterctl: 404 joke 2 has no ratings yet, so nothing is known to be like it\n")
        }
    }

    @Test func jokePrintsTheTextAndAnUnknownJokeIsAnError() throws {
        try withDaemon { daemon in
            let doctor = try ctl(daemon, "joke", "1")
            #expect(doctor.status == 0, "\(doctor)")
            #expect(doctor.stderr.isEmpty)
            #expect(doctor.stdout.hasPrefix("Joke 1:\n\nA man visits the doctor."), "\(doctor)")
            #expect(doctor.stdout.contains("thank God I don't have cancer!"))
            #expect(!doctor.stdout.contains("<p>") && !doctor.stdout.contains("&quot;"))

            let missing = try ctl(daemon, "joke", "9999")
            #expect(missing.status == 1, "\(missing)")
            #expect(missing.stdout.isEmpty)
            #expect(missing.stderr == "jesterctl: 404 unknown joke 9999\n")
        }
    }

    @Test func jsonPredictPrintsOneParseableObject() throws {
        try withDaemon { daemon in
            let outcome = try ctl(daemon, "--json", "predict", "5", "77")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stderr.isEmpty)
            let lines = outcome.stdout.split(separator: "\n")
            try #require(lines.count == 1, "\(outcome)")
            let parsed = try JSONSerialization.jsonObject(with: Data(lines[0].utf8))
            let object = try #require(parsed as? [String: Any])
            #expect(Set(object.keys) == ["user", "joke", "rating", "source"])
            #expect(object["user"] as? Int == 5)
            #expect(object["joke"] as? Int == 77)
            #expect(object["source"] as? String == "model")
            let rating = try #require(object["rating"] as? Double)
            #expect((-10...10).contains(rating))

            let missing = try ctl(daemon, "--json", "joke", "9999")
            #expect(missing.status == 1, "\(missing)")
            let error = try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8))
            #expect((error as? [String: Any])?["error"] as? String == "unknown joke 9999")
        }
    }

    @Test func statusPingVersionAndHelpDescribeTheDaemon() throws {
        try withDaemon { daemon in
            let status = try ctl(daemon, "status")
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout.contains(/state\s+ready\n/))
            #expect(status.stdout.contains(/\nratings\s+36385\n/), "\(status.stdout)")
            #expect(status.stdout.contains(/\nusers\s+906\n/))
            #expect(status.stdout.contains(/\nmodel.kind\s+gaussian\n/), "\(status.stdout)")
            #expect(status.stdout.contains(/\nrejected\s+0\n/))

            let ping = try ctl(daemon, "ping")
            #expect(ping.status == 0)
            #expect(ping.stdout == "pong\n")

            let version = try ctl(daemon, "version")
            #expect(version.status == 0)
            #expect(version.stdout == "jesterctl 0.1.0, jesterd 0.1.0, protocol 1\n")

            let help = try ctl(daemon, "help")
            #expect(help.status == 0)
            for verb in ["predict USER JOKE", "similar JOKE [N]", "joke JOKE", "status", "quit"] {
                #expect(help.stdout.contains(verb), "\(help.stdout)")
            }
            let one = try ctl(daemon, "help", "onboard")
            #expect(one.status == 0)
            #expect(one.stdout.hasPrefix("onboard [N]  "), "\(one)")
            #expect(one.stdout.split(separator: "\n").count == 1, "\(one)")
        }
    }

    @Test(arguments: [
        ["predict", "5"],
        ["predict", "x", "1"],
        ["predict", "5", "77", "1"],
        ["predict", "-1", "77"],
        ["similar"],
        ["joke", "1.5"],
        ["onboard", "0"],
        ["similar", "2", "101"],
        ["recommend", "5", "-1"],
        ["help", "onboard", "extra"],
        ["help", "nosuchverb"],
        ["frobnicate"],
        ["--bogus", "ping"],
        ["--socket"],
        [],
    ])
    func usageErrorsExit64(arguments: [String]) throws {
        let workspace = try Workspace()
        let outcome = try jesterctl(["--socket", workspace.socket] + arguments, in: workspace)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("jesterctl: "))
        #expect(outcome.stderr.contains("usage: jesterctl"))
    }

    @Test func helpAndVersionExitZeroWithoutADaemon() throws {
        let workspace = try Workspace()
        let help = try jesterctl(["--help"], in: workspace)
        #expect(help.status == 0)
        #expect(help.stdout.hasPrefix("usage: jesterctl"))
        #expect(help.stdout.contains("69 jesterd unreachable"))
        let version = try jesterctl(["--version"], in: workspace)
        #expect(version.status == 0)
        #expect(version.stdout == "jesterctl 0.1.0\n")
    }

    @Test func anUnreachableDaemonExits69NamingTheSocket() throws {
        let workspace = try Workspace()
        let outcome = try jesterctl(["--socket", workspace.socket, "predict", "5", "77"],
                                    in: workspace)
        #expect(outcome.status == 69, "\(outcome)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("cannot connect to \(workspace.socket)"), "\(outcome)")
        #expect(outcome.stderr.contains("Is jesterd running?"))
    }

    @Test func theSocketComesFromJesterdSocketUnlessGivenWithAnOption() throws {
        try withDaemon { daemon in
            let workspace = daemon.workspace
            let fromEnvironment = try jesterctl(["ping"], in: workspace,
                                                environment: ["JESTERD_SOCKET": daemon.socket])
            #expect(fromEnvironment.status == 0, "\(fromEnvironment)")
            #expect(fromEnvironment.stdout == "pong\n")

            let elsewhere = workspace.file("elsewhere.sock")
            let optionWins = try jesterctl(["--socket", daemon.socket, "ping"], in: workspace,
                                           environment: ["JESTERD_SOCKET": elsewhere])
            #expect(optionWins.status == 0, "\(optionWins)")

            let missing = try jesterctl(["ping"], in: workspace,
                                        environment: ["JESTERD_SOCKET": elsewhere])
            #expect(missing.status == 69, "\(missing)")
            #expect(missing.stderr.contains(elsewhere))
        }
    }

    /// Runs jesterctl against a fake server that answers its first line with `answer`.
    private func againstFakeServer(answering answer: String) throws -> (Outcome, String) {
        let workspace = try Workspace()
        let server = try FakeServer(workspace.file("fake.sock"))
        let client = try Child(Locations.jesterctl, ["--socket", server.path, "ping"],
                               output: workspace.file("ctl"))
        let connection = try server.accept()
        defer { close(connection) }
        let request = try server.readLine(connection)
        server.write(connection, answer)
        shutdown(connection, Int32(SHUT_RDWR))
        return (try client.wait(timeout: 30), request)
    }

    @Test func aServerAnsweringGarbageIsAProtocolError() throws {
        let (outcome, request) = try againstFakeServer(answering: "hello\n")
        #expect(request == "ping\n")
        #expect(outcome.status == 76, "\(outcome)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("protocol error"), "\(outcome)")
        #expect(outcome.stderr.contains("hello"))
    }

    @Test func aReplyWithMixedCodesIsAProtocolError() throws {
        let (outcome, _) = try againstFakeServer(answering: "200-a=1\n201 b=2\n")
        #expect(outcome.status == 76, "\(outcome)")
        #expect(outcome.stderr.contains("different codes"))
    }

    @Test func aServerClosingWithoutAReplyIsUnreachable() throws {
        let (outcome, _) = try againstFakeServer(answering: "")
        #expect(outcome.status == 69, "\(outcome)")
        #expect(outcome.stderr.contains("closed the connection without a reply"))
    }
}
