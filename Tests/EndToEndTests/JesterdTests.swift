import Foundation
import Glibc
import Testing

/// The built jesterd's start-up, shutdown and logging.
struct JesterdTests {
    @Test func helpAndVersionExitZero() throws {
        let workspace = try Workspace()
        let help = try jesterd(["--help"], in: workspace)
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.hasPrefix("usage: jesterd"))
        #expect(help.stdout.contains("--data-dir DIR"))
        #expect(help.stderr.isEmpty)

        let version = try jesterd(["--version"], in: workspace)
        #expect(version.status == 0, "\(version)")
        #expect(version.stdout == "jesterd 0.1.0\n")
    }

    @Test(arguments: [
        (["--frobnicate"], "jesterd: unknown option --frobnicate\n"),
        (["--epochs", "0"], "jesterd: --epochs must be an integer from 1 to 10000, not 0\n"),
        (["--model", "deep"],
         "jesterd: --model must be one of gaussian, mf, seed, svdpp, knn, regression, blend, not deep\n"),
        (["--socket"], "jesterd: --socket needs a value\n"),
    ])
    func badOptionsExit64WithUsage(arguments: [String], message: String) throws {
        let workspace = try Workspace()
        let outcome = try jesterd(arguments, in: workspace)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix(message), "\(outcome)")
        #expect(outcome.stderr.contains("usage: jesterd"))
    }

    @Test func aMissingDataDirectoryExits66() throws {
        let workspace = try Workspace()
        let missing = workspace.file("no-data")
        let outcome = try jesterd(["--data-dir", missing, "--socket", workspace.socket,
                                   "--state-dir", workspace.stateDirectory], in: workspace)
        #expect(outcome.status == 66, "\(outcome)")
        #expect(outcome.stderr.contains(
            "jesterd: critical: cannot use the data directory error=\"data directory \(missing) "
                + "does not exist or is not a directory\""), "\(outcome)")
        #expect(!workspace.exists("s.sock"))
    }

    @Test func aDataDirectoryWithoutRatingsExits66() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        unlink(workspace.dataDirectory + "/ratings-ds2-prefix.dat")
        let outcome = try jesterd(["--data-dir", workspace.dataDirectory,
                                   "--socket", workspace.socket,
                                   "--state-dir", workspace.stateDirectory], in: workspace)
        #expect(outcome.status == 66, "\(outcome)")
        #expect(outcome.stderr.contains("no ratings files (*ratings*.dat) in"), "\(outcome)")
        #expect(!workspace.exists("s.sock"))
    }

    @Test func aSecondDaemonOnTheSameSocketFailsAndTheFirstKeepsServing() throws {
        try withDaemon { first in
            let workspace = first.workspace
            let second = try Daemon(workspace)
            let outcome = try second.process.wait(timeout: 30)
            #expect(outcome.status == 69, "\(outcome)")
            #expect(outcome.stderr.contains(
                "cannot listen socket=\(first.socket) "
                    + "error=\"another process already answers on \(first.socket)\""),
                "\(outcome)")

            #expect(workspace.exists("s.sock"))
            let ping = try jesterctl(["--socket", first.socket, "ping"], in: workspace)
            #expect(ping.status == 0, "\(ping)")
            #expect(ping.stdout == "pong\n")
        }
    }

    @Test func aStaleSocketFromAKilledDaemonDoesNotPreventAStart() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        let killed = try Daemon.ready(workspace)
        killed.process.signal(SIGKILL)
        let outcome = try killed.process.wait(timeout: 20)
        #expect(outcome.status == 128 + SIGKILL)
        #expect(workspace.exists("s.sock"), "a killed daemon leaves its socket file")

        let next = try Daemon.ready(workspace)
        let predict = try jesterctl(["--socket", next.socket, "predict", "5", "77"],
                                    in: workspace)
        #expect(predict.status == 0, "\(predict)")
        #expect(predict.stdout.contains("(source: model)"))
        try next.stop()
    }

    @Test func theLogNamesSkippedRatingsLinesWithFileAndLine() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        try workspace.write("data/ratings-bad.dat", """
            5001\t\t5\t\t2.5
            not a rating line
            2\t\t5\t\t99
            5003\t\t7\t\t1.0
            x\t\t5\t\t1
            4\t\t200\t\t1

            """)
        let daemon = try Daemon.ready(workspace)
        let saidReady = eventually(timeout: 5) {
            daemon.log.contains("jesterd: notice: ready: answering queries model.version=1\n")
        }
        #expect(saidReady, "\(daemon.log)")
        let log = daemon.log
        for (line, reason) in [(2, "field-count"), (3, "rating-out-of-range"), (5, "bad-id"),
                               (6, "unknown-joke")] {
            #expect(log.contains(
                "jesterd: warning: ratings line skipped file=ratings-bad.dat line=\(line) "
                    + "reason=\(reason)\n"), "\(log)")
        }
        #expect(log.contains(#/warning: ratings lines skipped[^\n]* rejected=4 /#), "\(log)")
        #expect(log.contains("data loaded files=2 lines=36391 "), "\(log)")

        let status = try jesterctl(["--socket", daemon.socket, "status"], in: workspace)
        #expect(status.stdout.contains(/\nrejected\s+4\n/), "\(status)")
        #expect(status.stdout.contains(/\nratings\s+36387\n/), "\(status)")
        #expect(status.stdout.contains(/\nusers\s+908\n/), "\(status)")
        #expect(status.stdout.contains(/\ndata.replaced\s+0\n/), "\(status)")

        // A full retrain reads the same lines again and does not list them again.
        let retrain = try jesterctl(["--socket", daemon.socket, "retrain"], in: workspace)
        #expect(retrain.status == 0, "\(retrain)")
        let again = daemon.log
        #expect(again.contains("info: ratings lines skipped, as logged before rejected=4 "),
                "\(again)")
        let sample = "ratings line skipped file=ratings-bad.dat line=2 "
        let listed = again.components(separatedBy: sample)
        #expect(listed.count == 2, "\(again)")
        try daemon.stop()
    }

    @Test func sighupReloadsAndRetrains() throws {
        try withDaemon { daemon in
            daemon.process.signal(SIGHUP)
            let logged = eventually(timeout: 20) {
                daemon.log.contains("reloading origin=SIGHUP")
                    && daemon.log.contains("model published model.version=2")
            }
            #expect(logged, "\(daemon.log)")
            let ping = try jesterctl(["--socket", daemon.socket, "ping"], in: daemon.workspace)
            #expect(ping.stdout == "pong\n")
        }
    }

    @Test func theLogTracesStartUpTrainingAndShutdown() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        let daemon = try Daemon.ready(workspace)
        try daemon.stop()
        let log = daemon.log
        let events = ["jesterd: info: starting version=0.1.0", "jesterd: info: listening socket=",
                      "jesterd: info: data loaded files=1 lines=36385 ratings=36385 users=906",
                      "jesterd: info: training started model.kind=gaussian",
                      "jesterd: info: model published model.version=1",
                      "jesterd: info: stopping signal=SIGTERM", "jesterd: info: stopped"]
        var position = log.startIndex
        for event in events {
            guard let found = log[position...].range(of: event) else {
                Issue.record("missing or out of order: \(event)\n\(log)")
                return
            }
            position = found.upperBound
        }
        #expect(!log.contains("warning"))
    }

    @Test func sigtermStopsPromptlyWhileClientsAreConnected() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        let daemon = try Daemon.ready(workspace)
        let idle = try RawConnection(daemon.socket)
        let busy = try RawConnection(daemon.socket)
        busy.send("ping\n")
        #expect(try busy.reply().lines == ["200 pong"])

        let started = now()
        try daemon.stop()
        #expect(now() - started < 5, "stopping waited on idle connections")
        #expect(try idle.readToEnd(timeout: 5).isEmpty)
        #expect(try busy.readToEnd(timeout: 5).isEmpty)
    }

    @Test func limitsFromTheCommandLineApply() throws {
        let workspace = try Workspace()
        try workspace.copyData()
        let daemon = try Daemon(workspace, extraArguments: ["--idle-timeout", "1",
                                                            "--max-connections", "2"])
        try daemon.waitUntilReady()

        // The connections the readiness check made close on the server's side shortly after
        // the client's; until they have, a new one may still be refused with a 429.
        func admitted() throws -> RawConnection {
            let deadline = Date().addingTimeInterval(5)
            while true {
                let connection = try RawConnection(daemon.socket)
                connection.send("ping\n")
                let lines = try connection.reply().lines
                if lines == ["200 pong"] || Date() > deadline { return connection }
                usleep(20_000)
            }
        }
        let first = try admitted()
        let second = try admitted()
        // The second connection must stay open while the third is refused.
        defer { withExtendedLifetime(second) {} }
        let third = try RawConnection(daemon.socket)
        let refused = try third.readToEnd()
        #expect(refused.hasPrefix("429 too many connections (limit 2)"), "\(refused)")

        let timedOut = try first.readToEnd()
        #expect(timedOut.hasPrefix("408 idle for "), "\(timedOut)")
        #expect(timedOut.split(separator: "\n").count == 1)
        try daemon.stop()
    }
}
