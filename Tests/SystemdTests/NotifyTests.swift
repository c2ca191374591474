import Foundation
import Glibc
import Testing

/// The test plays the service manager: it owns NOTIFY_SOCKET and reads what jesterd tells it.
@Suite(.serialized)
struct NotifyTests {
    private struct Service {
        let directory: TemporaryDirectory
        let inbox: DatagramInbox
        let program: RunningProgram
        let socketPath: String
        let dataDirectory: String
    }

    private func start(
        config: String = "epochs = 3\n",
        watchdogMicroseconds: Int? = nil,
        extraArguments: [String] = []
    ) throws -> Service {
        let directory = try TemporaryDirectory()
        let data = try directory.copyBundledData()
        try directory.write("jesterd.conf", config)
        let inbox = try DatagramInbox(path: directory.path + "/notify")
        let socketPath = directory.path + "/jesterd.sock"
        var environment = ["NOTIFY_SOCKET": inbox.path]
        if let watchdogMicroseconds { environment["WATCHDOG_USEC"] = "\(watchdogMicroseconds)" }
        let program = try RunningProgram.daemon([
            "--config", directory.path + "/jesterd.conf",
            "--data-dir", data,
            "--socket", socketPath,
            "--state-dir", directory.path,
        ] + extraArguments, environment: environment)
        return Service(directory: directory, inbox: inbox, program: program, socketPath: socketPath,
                       dataDirectory: data)
    }

    @Test func readyComesOnlyOnceTheSocketAnswersWithAModel() throws {
        let service = try start()

        let extension_ = try #require(service.inbox.next("EXTEND_TIMEOUT_USEC"))
        #expect(extension_.value("READY") == nil)
        let ready = try #require(service.inbox.next("READY"))
        #expect(ready.value("READY") == "1")

        // The moment READY arrives, the socket must already answer from a published model.
        let reply = try #require(exchange(service.socketPath, ["status", "quit"]))
        #expect(reply.contains("state=ready"))
        #expect(reply.contains("model.version=1"))
        let status = try #require(ready.value("STATUS"))
        #expect(status.hasPrefix("model 1 (gaussian), 36385 ratings"))

        service.program.signal(SIGTERM)
        #expect(service.inbox.next("STOPPING")?.value("STOPPING") == "1")
        #expect(service.program.exitStatus(within: 10) == 0)
    }

    @Test func sighupReloadsBetweenReloadingAndReadyWithANewStatus() throws {
        let service = try start()
        _ = try #require(service.inbox.next("READY"))

        try service.directory.write("jesterd.conf", "model = mf\nepochs = 4\nseed = 9\n")
        let before = UInt64(monotonicNow() * 1e6)
        service.program.signal(SIGHUP)
        let reloading = try #require(service.inbox.next("RELOADING"))
        let after = UInt64(monotonicNow() * 1e6)
        let stamp = try #require(reloading.value("MONOTONIC_USEC").flatMap { UInt64($0) })
        #expect(stamp >= before && stamp <= after)

        let ready = try #require(service.inbox.next("READY"))
        #expect(ready.value("STATUS")?.hasPrefix("model 2 (mf)") == true)
        let reply = try #require(exchange(service.socketPath, ["status", "quit"]))
        #expect(reply.contains("model.version=2"))
        #expect(reply.contains("training.epochs=4"))
        #expect(reply.contains("reload.finished=1"))

        service.program.signal(SIGTERM)
        #expect(service.program.exitStatus(within: 10) == 0)
    }

    @Test func aBadFileOnReloadKeepsTheOldConfigurationAndModel() throws {
        let service = try start()
        _ = try #require(service.inbox.next("READY"))

        try service.directory.write("jesterd.conf", "epochs = 3\nepochs = 5\n")
        service.program.signal(SIGHUP)
        _ = try #require(service.inbox.next("RELOADING"))
        let ready = try #require(service.inbox.next("READY"))
        #expect(ready.value("STATUS")?.hasPrefix("model 1 (gaussian)") == true)

        let reply = try #require(exchange(service.socketPath, ["status", "predict 5 77", "quit"]))
        #expect(reply.contains("model.version=1"))
        #expect(reply.contains("jesterd.conf:2: epochs is already set on line 1"))
        #expect(reply.contains("200 user=5 joke=77"))

        service.program.signal(SIGTERM)
        #expect(service.program.exitStatus(within: 10) == 0)
        #expect(service.program.standardError.contains("error: configuration not reloaded"))
    }

    @Test func watchdogPingsKeepPaceDuringALongRetrain() throws {
        let service = try start(watchdogMicroseconds: 200_000)
        _ = try #require(service.inbox.next("READY", within: 30))

        try writeSlowTrainingData(into: service.dataDirectory)
        try service.directory.write("jesterd.conf", "epochs = 40\nlearning-rate = 0.001\nfactors = 32\n")
        service.program.signal(SIGHUP)
        let reloading = try #require(service.inbox.next("RELOADING"))
        let ready = try #require(service.inbox.next("READY", within: 60))

        let pings = service.inbox.received
            .filter { $0.value("WATCHDOG") == "1" && $0.seconds >= reloading.seconds && $0.seconds <= ready.seconds }
            .map(\.seconds)
        let retrain = ready.seconds - reloading.seconds
        #expect(retrain > 0.5, "the retrain must be long enough to measure the pace")
        #expect(Double(pings.count) >= retrain / 0.1 * 0.7)
        let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }
        #expect((gaps.max() ?? 0) < 0.2, "a gap reached WATCHDOG_USEC")

        service.program.signal(SIGTERM)
        #expect(service.program.exitStatus(within: 10) == 0)
    }

    @Test func sigtermDuringTrainingStopsGracefullyAndQuickly() throws {
        let service = try start()
        _ = try #require(service.inbox.next("READY"))
        try writeSlowTrainingData(into: service.dataDirectory)
        try service.directory.write("jesterd.conf", "epochs = 200\nlearning-rate = 0.0005\n")
        service.program.signal(SIGHUP)
        _ = try #require(service.inbox.next("RELOADING"))

        let reply = try #require(exchange(service.socketPath, ["ping", "quit"]))
        #expect(reply.hasPrefix("200 pong"))
        let stopAsked = monotonicNow()
        service.program.signal(SIGTERM)
        #expect(service.inbox.next("STOPPING")?.value("STOPPING") == "1")
        #expect(service.program.exitStatus(within: 8) == 0)
        #expect(monotonicNow() - stopAsked < 8)
        #expect(!FileManager.default.fileExists(atPath: service.socketPath))
    }

    @Test func jesterctlReloadWaitsForTheReloadAndChecksThePeer() throws {
        let service = try start(extraArguments: ["--admin-group", "users"])
        _ = try #require(service.inbox.next("READY"))

        let reload = try runToEnd(Build.jesterctl, ["--socket", service.socketPath, "reload"])
        #expect(reload.status == 0)
        #expect(reload.output == "reloaded: model 2\n")
        let status = try #require(exchange(service.socketPath, ["status", "quit"]))
        #expect(status.contains("model.version=2"))

        // Another user may connect (the test opens the socket up) but not reload, unless it
        // belongs to the admin group.
        chmod(service.directory.path, 0o755)
        chmod(service.socketPath, 0o666)
        let stranger = try runToEnd("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups",
            Build.jesterctl, "--socket", service.socketPath, "reload",
        ])
        #expect(stranger.status == 1)
        #expect(stranger.errors.contains("403 admin verb"))

        let member = try runToEnd("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--groups=100",
            Build.jesterctl, "--socket", service.socketPath, "reload",
        ])
        #expect(member.status == 0)
        #expect(member.output == "reloaded: model 3\n")

        service.program.signal(SIGTERM)
        #expect(service.program.exitStatus(within: 10) == 0)
    }
}
