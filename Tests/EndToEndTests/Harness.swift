import Foundation
import Glibc
import Testing

/// Seconds on the monotonic clock.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Waits for `condition` to hold, checking every few milliseconds until `timeout` seconds pass.
func eventually(timeout: Double, pause: UInt32 = 5_000, _ condition: () throws -> Bool) rethrows
    -> Bool
{
    let deadline = now() + timeout
    while true {
        if try condition() { return true }
        if now() > deadline { return false }
        usleep(pause)
    }
}

/// A failure of the test harness itself, not of the code under test.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the built executables and the repository's data are.
enum Locations {
    /// The directory holding the built jesterd and jesterctl: `JESTER_BIN_DIR`, else the
    /// directory of the running test executable or the nearest parent holding `jesterd`.
    static let binaries: String = {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["JESTER_BIN_DIR"], !override.isEmpty {
            return override
        }
        let manager = FileManager.default
        let executable = (try? manager.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.isExecutableFile(atPath: directory.path + "/jesterd") {
                return directory.path
            }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    static var jesterd: String { binaries + "/jesterd" }
    static var jesterctl: String { binaries + "/jesterctl" }

    /// The package root: two levels above this file's directory.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    static var data: String { repository + "/data" }
}

/// A fresh directory under /tmp with a short name, so socket paths in it fit `sun_path`.
final class Workspace: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/je-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else { throw HarnessError("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var dataDirectory: String { file("data") }
    var socket: String { file("s.sock") }
    var stateDirectory: String { file("state") }

    /// Copies the jokes file and the Dataset 2 prefix into `data/`.
    func copyData() throws {
        try FileManager.default.createDirectory(atPath: dataDirectory,
                                                withIntermediateDirectories: true)
        for name in ["jester_items.dat", "ratings-ds2-prefix.dat"] {
            try FileManager.default.copyItem(atPath: Locations.data + "/" + name,
                                             toPath: dataDirectory + "/" + name)
        }
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    func exists(_ name: String) -> Bool {
        var status = stat()
        return lstat(file(name), &status) == 0
    }

    private let counter = Counter()

    /// A new name for captured output.
    func uniqueName(_ prefix: String) -> String { "\(prefix)-\(counter.next())" }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// How a finished process ended, and what it wrote.
struct Outcome: CustomStringConvertible {
    /// The exit status, or 128 plus the signal number when a signal ended it.
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// posix_spawn_file_actions_addclosefrom_np, which Glibc's module map does not export.
private typealias AddCloseFrom = @convention(c) (
    UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
) -> Int32

private let addCloseFrom: AddCloseFrom? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
}()

/// A child process whose standard output and error go to files in a workspace.
final class Child {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private(set) var status: Int32?

    /// Starts `executable`; the environment is this process's, without the variables that
    /// would change how jesterd or jesterctl behave, plus `environment`.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         output: String) throws {
        stdoutPath = output + ".out"
        stderrPath = output + ".err"

        var variables = ProcessInfo.processInfo.environment
        for name in ["JESTERD_SOCKET", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
                     "LISTEN_FDNAMES", "COLUMNS"] {
            variables[name] = nil
        }
        variables.merge(environment) { $1 }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC,
                                         0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC,
                                         0o644)
        // Descriptors other tests open concurrently must not leak into the child.
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }

        // Signals the test process ignores or blocks are reset for the child.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaults, number)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, flags)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// Reaps the child if it has exited; returns its status then.
    @discardableResult
    func poll() -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return nil }
        let signal = raw & 0x7F
        status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        return status
    }

    var isRunning: Bool { poll() == nil }

    /// Waits for the child to exit, at most `timeout` seconds.
    func wait(timeout: Double) throws -> Outcome {
        guard eventually(timeout: timeout, pause: 2_000, { poll() != nil }) else {
            kill(pid, SIGKILL)
            _ = eventually(timeout: 5) { poll() != nil }
            throw HarnessError("process \(pid) still running after \(timeout) s; killed")
        }
        return outcome
    }

    /// What the child wrote so far, and its status if it has exited (-1 if not).
    var outcome: Outcome {
        Outcome(status: poll() ?? -1, stdout: Self.read(stdoutPath), stderr: Self.read(stderrPath))
    }

    func signal(_ number: Int32) { kill(pid, number) }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit {
        if poll() == nil {
            kill(pid, SIGKILL)
            _ = eventually(timeout: 5) { poll() != nil }
        }
    }
}

/// Runs jesterctl to completion.
func jesterctl(_ arguments: [String], in workspace: Workspace,
               environment: [String: String] = [:], timeout: Double = 30) throws -> Outcome {
    let child = try Child(Locations.jesterctl, arguments, environment: environment,
                          output: workspace.file(workspace.uniqueName("ctl")))
    return try child.wait(timeout: timeout)
}

/// Runs jesterd to completion, for invocations that exit on their own.
func jesterd(_ arguments: [String], in workspace: Workspace, timeout: Double = 30) throws
    -> Outcome
{
    let child = try Child(Locations.jesterd, arguments,
                          output: workspace.file(workspace.uniqueName("jesterd")))
    return try child.wait(timeout: timeout)
}

/// A jesterd running on a workspace's data and socket.
final class Daemon {
    let workspace: Workspace
    let socket: String
    let process: Child

    /// Starts jesterd with small training settings and debug logging.
    init(_ workspace: Workspace, socket: String? = nil, extraArguments: [String] = []) throws {
        self.workspace = workspace
        self.socket = socket ?? workspace.socket
        process = try Child(Locations.jesterd, [
            "--data-dir", workspace.dataDirectory,
            "--socket", self.socket,
            "--state-dir", workspace.stateDirectory,
            "--epochs", "5",
            "--log-level", "debug",
        ] + extraArguments, output: workspace.file(workspace.uniqueName("jesterd")))
    }

    /// Starts jesterd and waits until `status` says it is ready.
    static func ready(_ workspace: Workspace, socket: String? = nil) throws -> Daemon {
        let daemon = try Daemon(workspace, socket: socket)
        try daemon.waitUntilReady()
        return daemon
    }

    /// Polls `jesterctl status` until it reports `state ready`, at most `timeout` seconds.
    func waitUntilReady(timeout: Double = 60) throws {
        var last: Outcome?
        let ready = try eventually(timeout: timeout, pause: 20_000) {
            guard process.isRunning else {
                throw HarnessError("jesterd exited before it was ready: \(process.outcome)")
            }
            let outcome = try jesterctl(["--socket", socket, "status"], in: workspace)
            last = outcome
            return outcome.status == 0 && outcome.stdout.contains(/state\s+ready/)
        }
        guard ready else {
            throw HarnessError("jesterd not ready in \(timeout) s; last status: "
                + "\(last.map(String.init(describing:)) ?? "none"); log: \(log)")
        }
    }

    /// What jesterd has logged so far.
    var log: String { process.outcome.stderr }

    /// Stops jesterd with SIGTERM and checks that it exits 0 and removes its socket.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) throws {
        process.signal(SIGTERM)
        let outcome = try process.wait(timeout: 20)
        #expect(outcome.status == 0, "jesterd log:\n\(outcome.stderr)",
                sourceLocation: sourceLocation)
        var status = stat()
        #expect(lstat(socket, &status) != 0, "socket left behind", sourceLocation: sourceLocation)
        #expect(outcome.stderr.contains("jesterd: info: stopped"), sourceLocation: sourceLocation)
    }
}

/// Copies the data into a fresh workspace, starts jesterd, runs `body`, then stops jesterd.
func withDaemon(sourceLocation: SourceLocation = #_sourceLocation,
                _ body: (Daemon) throws -> Void) throws {
    let workspace = try Workspace()
    try workspace.copyData()
    let daemon = try Daemon.ready(workspace)
    try body(daemon)
    try daemon.stop(sourceLocation: sourceLocation)
}
