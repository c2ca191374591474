import Glibc
import JesterCore
import JesterSystem
import JesterTestSupport
import Synchronization

/// Live learning against a real jesterd: how soon an appended line shows in `predict`, how
/// queries fare during a full retrain, and how fast a restart from the saved state answers.
///
/// The daemon is the built `jesterd` next to this program, run on generated data of Jester
/// Dataset 2 size in a temporary directory; every wait is bounded.
enum LiveBench {
    /// The daemon under measurement.
    private struct Daemon {
        let directory: String
        var pid: pid_t

        var dataDirectory: String { directory + "/data" }
        var socket: String { directory + "/s.sock" }
        var ratingsFile: String { dataDirectory + "/" + BenchData.syntheticFileName }
    }

    /// Runs the section and records its figures.
    static func run(plan: BenchPlan, summary: inout BenchSummary) {
        var template = Array("/tmp/jester-live-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            printLine("live: cannot create a directory under /tmp")
            return
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { removeTree(directory) }
        mkdir(directory + "/data", 0o755)
        mkdir(directory + "/state", 0o755)
        let bytes = SyntheticRatings().fileBytes()
        guard writeFile(directory + "/data/" + BenchData.syntheticFileName, bytes) else {
            printLine("live: cannot write the generated ratings")
            return
        }

        guard var daemon = start(directory), let firstReady = waitForModel(daemon, timeout: 180) else {
            printLine("live: jesterd did not start; see \(directory)/log")
            return
        }
        printLine("jesterd trained on 1.76 M generated ratings and answered after \(Format.number(firstReady)) s")

        measureMemoryAcrossRetrains(daemon, retrains: plan.queryRounds >= 3 ? 3 : 1,
                                    summary: &summary)
        let trials = plan.queryRounds >= 3 ? 200 : 40
        measureAppends(daemon, trials: trials, summary: &summary)
        measureQueriesDuringRetrain(daemon, summary: &summary)
        measureRestart(&daemon, summary: &summary)
        stop(daemon)
    }

    private static func measureAppends(_ daemon: Daemon, trials: Int, summary: inout BenchSummary) {
        guard let client = try? ProtocolClient(path: daemon.socket, timeout: 5) else { return }
        let file = open(daemon.ratingsFile, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard file >= 0 else { return }
        defer { close(file) }

        var table = TextTable(["append of one line", "trials", "p50 µs", "p99 µs", "max µs", "missed"])
        let cases: [(name: String, line: (Int) -> (user: Int, joke: Int, rating: Double))] = [
            ("existing user, rated joke", { ($0 * 7_919 % 59_000 + 1, $0 % 150 + 1, 0) }),
            ("new user", { (2_000_000 + $0, $0 % 150 + 1, 9.5) }),
            ("new joke", { ($0 * 7_919 % 59_000 + 1, 1_000 + $0, 7.25) }),
        ]
        for (index, trialCase) in cases.enumerated() {
            var latencies: [Double] = []
            var missed = 0
            for trial in 0..<trials {
                var (user, joke, rating) = trialCase.line(trial)
                let before = predict(client, user, joke)
                if index == 0 { rating = (before?.rating ?? 0) > 0 ? -10 : 10 }
                let line = "\(user)\t\t\(joke)\t\t\(rating)\n"
                _ = Array(line.utf8).withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
                let written = monotonicNanoseconds()
                let deadline = written + 1_000_000_000
                var reflected = false
                while monotonicNanoseconds() < deadline {
                    let now = predict(client, user, joke)
                    if changed(before, now, kind: index) {
                        reflected = true
                        break
                    }
                }
                if reflected {
                    latencies.append(seconds(from: written, to: monotonicNanoseconds()) * 1e6)
                } else {
                    missed += 1
                }
            }
            let samples = Samples(latencies)
            table.add([trialCase.name, "\(trials)", Format.number(samples.percentile(0.5)),
                       Format.number(samples.percentile(0.99)), Format.number(samples.maximum), "\(missed)"])
            summary.record(TargetCheck(name: "append to predict, \(trialCase.name), p50",
                                       value: samples.percentile(0.5) / 1000, unit: "ms", goal: .atMost(2),
                                       decimals: 2))
            summary.record(TargetCheck(name: "append to predict, \(trialCase.name), p99",
                                       value: samples.percentile(0.99) / 1000, unit: "ms", goal: .atMost(10),
                                       decimals: 2))
        }
        printSection("live: from write(2) returning to predict over the socket reflecting it")
        table.print()
    }

    /// Whether the prediction shows the appended rating.
    private static func changed(_ before: Prediction?, _ now: Prediction?, kind: Int) -> Bool {
        guard let now else { return false }
        switch kind {
        case 0: return before.map { abs($0.rating - now.rating) >= 0.01 } ?? true
        case 1: return now.source == "model"
        default: return before == nil
        }
    }

    private struct Prediction {
        var rating: Double
        var source: String
    }

    /// `predict`, or `nil` for an error reply.
    private static func predict(_ client: ProtocolClient, _ user: Int, _ joke: Int) -> Prediction? {
        guard (try? client.send(["predict \(user) \(joke)"])) != nil,
              let reply = try? client.receive(), let line = reply.last, line.code == 200,
              let fields = ReplyText.parseFields(line.payload[...])
        else { return nil }
        let values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        return Prediction(rating: Double(values["rating"] ?? "") ?? .nan, source: values["source"] ?? "")
    }

    private static func measureQueriesDuringRetrain(_ daemon: Daemon, summary: inout BenchSummary) {
        guard let client = try? ProtocolClient(path: daemon.socket, timeout: 5) else { return }
        let finished = Atomic(false)
        let socket = daemon.socket
        let started = monotonicNanoseconds()
        let retrainSeconds = Atomic(0.0)
        try? startThread {
            if let admin = try? ProtocolClient(path: socket, timeout: 600) {
                _ = try? admin.send(["retrain"])
                _ = try? admin.receive()
            }
            retrainSeconds.store(seconds(from: started, to: monotonicNanoseconds()))
            finished.store(true)
        }

        var latencies: [Double] = []
        var user = 1
        while !finished.load(), latencies.count < 5_000_000 {
            let sent = monotonicNanoseconds()
            guard predict(client, user, user % 150 + 1) != nil else { break }
            latencies.append(seconds(from: sent, to: monotonicNanoseconds()) * 1e6)
            user = user % 59_000 + 1
        }
        let samples = Samples(latencies)
        printSection("live: predict latency while a full retrain runs")
        var table = TextTable(["retrain s", "queries", "p50 µs", "p99 µs", "max µs"])
        table.add([Format.number(retrainSeconds.load(), decimals: 2), Format.grouped(latencies.count),
                   Format.number(samples.percentile(0.5)), Format.number(samples.percentile(0.99)),
                   Format.number(samples.maximum)])
        table.print()
        summary.record(TargetCheck(name: "predict during a full retrain, p99", value: samples.percentile(0.99) / 1000,
                                   unit: "ms", goal: .atMost(2), decimals: 3))
        summary.record(TargetCheck(name: "full retrain of 1.76 M ratings", value: retrainSeconds.load(),
                                   unit: "s", goal: .none, decimals: 2))
    }

    /// Resident memory once the first model is served, and at rest after full retrains on
    /// the same data, before any rating is appended.
    private static func measureMemoryAcrossRetrains(
        _ daemon: Daemon, retrains: Int, summary: inout BenchSummary
    ) {
        guard let admin = try? ProtocolClient(path: daemon.socket, timeout: 600),
              let before = MemoryStatus.of(process: daemon.pid)
        else { return }
        for _ in 0..<retrains {
            guard (try? admin.send(["retrain"])) != nil, (try? admin.receive()) != nil else { return }
        }
        // At rest: the replaced models are gone once their last reader lets go.
        usleep(1_000_000)
        guard let after = MemoryStatus.of(process: daemon.pid) else { return }

        printSection("live: jesterd's memory across full retrains")
        var table = TextTable(["when", "VmRSS MB", "VmHWM MB"])
        let megabytes = { (kilobytes: Int) in Format.number(Double(kilobytes) / 1024, decimals: 1) }
        table.add(["first model served", megabytes(before.residentKilobytes),
                   megabytes(before.peakKilobytes)])
        table.add(["after \(retrains) retrains", megabytes(after.residentKilobytes),
                   megabytes(after.peakKilobytes)])
        table.print()
        summary.record(TargetCheck(name: "VmRSS of jesterd after \(retrains) retrains",
                                   value: Double(after.residentKilobytes) / 1024, unit: "MB",
                                   goal: .none, decimals: 1))
        summary.record(TargetCheck(name: "VmHWM of jesterd up to then",
                                   value: Double(after.peakKilobytes) / 1024, unit: "MB",
                                   goal: .none, decimals: 1))
    }

    private static func measureRestart(_ daemon: inout Daemon, summary: inout BenchSummary) {
        stop(daemon)
        guard let restarted = start(daemon.directory) else { return }
        let spawned = monotonicNanoseconds()
        daemon = restarted
        let answered = waitForModel(daemon, timeout: 60).map { _ in seconds(from: spawned, to: monotonicNanoseconds()) }
        printSection("live: restart from the saved state")
        printLine("spawn to first answered predict: \(answered.map { Format.number($0 * 1000) + " ms" } ?? "none")")
        summary.record(TargetCheck(name: "restart from saved state to first answer", value: (answered ?? .nan) * 1000,
                                   unit: "ms", goal: .atMost(300)))
    }

    /// Starts the jesterd next to this program; its log goes to `log` in the directory.
    private static func start(_ directory: String) -> Daemon? {
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { return nil }
        let executable = String(decoding: path.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let program = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/") + "/jesterd"
        let arguments = [program, "--data-dir", directory + "/data", "--socket", directory + "/s.sock",
                         "--state-dir", directory + "/state", "--config", "/dev/null", "--log-level", "warning",
                         "--retrain-fraction", "1000", "--save-interval", "3600"]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, program, &actions, nil, &argv, environ) == 0 else { return nil }
        return Daemon(directory: directory, pid: pid)
    }

    /// Seconds until `predict` answers 200, or `nil` at the deadline.
    private static func waitForModel(_ daemon: Daemon, timeout: Double) -> Double? {
        let started = monotonicNanoseconds()
        while seconds(from: started, to: monotonicNanoseconds()) < timeout {
            if let client = try? ProtocolClient(path: daemon.socket, timeout: 2), predict(client, 1, 1) != nil {
                return seconds(from: started, to: monotonicNanoseconds())
            }
            usleep(1_000)
        }
        return nil
    }

    private static func stop(_ daemon: Daemon) {
        kill(daemon.pid, SIGTERM)
        var status: Int32 = 0
        waitpid(daemon.pid, &status, 0)
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return (try? Files.writeAll(descriptor, bytes, path: path)) != nil
    }

    private static func removeTree(_ directory: String) {
        for sub in ["data", "state"] {
            for name in (try? Files.list(directory + "/" + sub)) ?? [] { unlink(directory + "/" + sub + "/" + name) }
            rmdir(directory + "/" + sub)
        }
        unlink(directory + "/log")
        unlink(directory + "/s.sock")
        rmdir(directory)
    }
}

/// A value shared between the bench's threads.
private final class Atomic<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func load() -> Value { value.withLock { $0 } }

    func store(_ newValue: Value) { value.withLock { $0 = newValue } }
}
