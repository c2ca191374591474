import Foundation
import Glibc
import JesterSystem
import Testing

@Suite(.serialized)
struct ActivationAndJournalTests {
    @Test func usesTheSocketPassedBySocketActivation() throws {
        let directory = try TemporaryDirectory()
        let data = try directory.copyBundledData()
        let inbox = try DatagramInbox(path: directory.path + "/notify")
        let activated = directory.path + "/activated.sock"
        let unused = directory.path + "/unused.sock"
        let program = try RunningProgram("/usr/bin/systemd-socket-activate", [
            "-l", activated,
            "-E", "NOTIFY_SOCKET=\(inbox.path)",
            Build.jesterd, "--config", "/dev/null", "--data-dir", data, "--socket", unused,
            "--state-dir", directory.path, "--epochs", "2",
        ])

        // systemd-socket-activate starts jesterd on the first connection, which jesterd then
        // accepts from the passed socket.
        let deadline = monotonicNow() + 10
        var reply: String?
        while reply == nil && monotonicNow() < deadline {
            reply = exchange(activated, ["ping", "quit"])
            if reply == nil { usleep(10_000) }
        }
        #expect(reply?.hasPrefix("200 pong") == true)
        _ = try #require(inbox.next("READY"))
        let status = try #require(exchange(activated, ["status", "quit"]))
        #expect(status.contains("state=ready"))
        #expect(!FileManager.default.fileExists(atPath: unused))

        program.signal(SIGTERM)
        #expect(program.exitStatus(within: 10) == 0)
        #expect(program.standardError.contains("listening socket=\"passed by systemd\""))
    }

    @Test func sendsNativeJournalEntriesWhenStderrIsTheJournalStream() throws {
        // jesterd runs in a mount namespace of its own where /run/systemd is this directory,
        // so its journal socket is the test's.
        let directory = try TemporaryDirectory()
        let data = try directory.copyBundledData()
        try FileManager.default.createDirectory(atPath: directory.path + "/run/journal",
                                                withIntermediateDirectories: true)
        let journal = try DatagramInbox(path: directory.path + "/run/journal/socket")
        let inbox = try DatagramInbox(path: directory.path + "/notify")

        let errors = Pipe()
        var status = stat()
        fstat(errors.fileHandleForWriting.fileDescriptor, &status)
        let program = try RunningProgram("/usr/bin/unshare", [
            "--mount", "sh", "-c", "mount --bind \"$0\" /run/systemd && exec \"$@\"",
            directory.path + "/run",
            Build.jesterd, "--config", "/dev/null", "--data-dir", data,
            "--socket", directory.path + "/jesterd.sock", "--state-dir", directory.path,
            "--epochs", "2",
        ], environment: [
            "NOTIFY_SOCKET": inbox.path,
            "JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)",
        ], standardError: errors)

        let listening = try #require(journal.next { $0.text.contains("MESSAGE=listening") })
        let fields = Set(listening.text.split(separator: "\n").map(String.init))
        #expect(fields.contains("PRIORITY=6"))
        #expect(fields.contains("SYSLOG_IDENTIFIER=jesterd"))
        #expect(fields.contains("CODE_FILE=jesterd/JesterDaemon.swift"))
        #expect(fields.contains("CODE_FUNC=run(_:arguments:signals:logger:)"))
        #expect(fields.contains { $0.hasPrefix("CODE_LINE=") && Int($0.dropFirst(10)) != nil })
        #expect(fields.contains("JESTERD_SOCKET=\(directory.path)/jesterd.sock"))

        let published = try #require(journal.next { $0.text.contains("MESSAGE=model published") })
        #expect(published.text.contains("\nJESTERD_MODEL_VERSION=1\n"))
        #expect(published.text.contains("CODE_FILE=JesterSystem/LiveService+Retrain.swift"))

        program.signal(SIGTERM)
        #expect(program.exitStatus(within: 10) == 0)
        try errors.fileHandleForWriting.close()
        #expect(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).isEmpty)
    }

    @Test func writesPlainLinesWhenTheJournalStreamIsAnotherFile() throws {
        let directory = try TemporaryDirectory()
        let data = try directory.copyBundledData()
        let inbox = try DatagramInbox(path: directory.path + "/notify")
        let program = try RunningProgram.daemon([
            "--config", "/dev/null", "--data-dir", data, "--socket", directory.path + "/j.sock",
            "--state-dir", directory.path, "--epochs", "2", "--log-level", "notice",
        ], environment: ["NOTIFY_SOCKET": inbox.path, "JOURNAL_STREAM": "1:1"])
        _ = try #require(inbox.next("READY"))
        program.signal(SIGHUP)
        _ = try #require(inbox.next("RELOADING"))
        _ = try #require(inbox.next("READY"))
        program.signal(SIGTERM)
        #expect(program.exitStatus(within: 10) == 0)
        // Only notice and above pass --log-level notice: being ready and the two reload lines.
        #expect(program.standardError == """
            jesterd: notice: ready: answering queries model.version=1
            jesterd: notice: reload requested origin=SIGHUP
            jesterd: notice: reloading origin=SIGHUP

            """)
    }

    @Test func journalFieldNamesAreUppercaseWithThePrefix() {
        #expect(Logger.journalFieldName("model.version") == "JESTERD_MODEL_VERSION")
        #expect(Logger.journalFieldName("rejected.bad-id") == "JESTERD_REJECTED_BAD_ID")
        #expect(Logger.journalFieldName("peer.uid") == "JESTERD_PEER_UID")
    }
}
