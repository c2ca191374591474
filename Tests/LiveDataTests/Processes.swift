import Foundation
import Glibc
import JesterSystem
import Testing

/// posix_spawn_file_actions_addclosefrom_np, which Glibc's module map does not export.
private typealias AddCloseFrom = @convention(c) (
    UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
) -> Int32

private let addCloseFrom: AddCloseFrom? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
}()

/// How a finished process ended and what it wrote.
struct Outcome: CustomStringConvertible {
    /// The exit status, or 128 plus the signal that ended it.
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A child process with its output in files; killed and reaped when it goes away.
final class Child {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private var status: Int32?

    init(_ argv: [String], output: String) throws {
        stdoutPath = output + ".out"
        stderrPath = output + ".err"
        var environment = ProcessInfo.processInfo.environment
        for name in ["JESTERD_SOCKET", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
                     "LISTEN_FDNAMES", "JOURNAL_STREAM", "COLUMNS"] {
            environment[name] = nil
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Descriptors the tests hold, inotify instances and sockets among them, stay here.
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD] {
            sigaddset(&defaults, number)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, flags)

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, variables)
        guard result == 0 else {
            throw SetupError("posix_spawn \(argv[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// The exit status once the child has ended, reaping it; `nil` while it runs.
    @discardableResult
    func poll() -> Int32? {
        if let status { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        let signal = raw & 0x7F
        status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        return status
    }

    var isRunning: Bool { poll() == nil }

    /// Waits at most `timeout` seconds for the child to end; kills it if it does not.
    func wait(timeout: Double) throws -> Outcome {
        guard eventuallyBlocking(timeout: timeout, { poll() != nil }) else {
            kill()
            throw SetupError("process \(pid) still running after \(timeout) s; killed")
        }
        return outcome
    }

    var outcome: Outcome {
        Outcome(status: poll() ?? -1, stdout: stdout, stderr: stderr)
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { Glibc.kill(pid, number) }

    /// SIGKILL, then reaps.
    func kill() {
        guard poll() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        _ = eventuallyBlocking(timeout: 10) { poll() != nil }
    }

    deinit { kill() }
}

/// The command prefix that runs a program as `nobody`, or `nil` when there is none.
let asNobody: [String]? = {
    for path in ["/usr/bin/setpriv", "/bin/setpriv"] where access(path, X_OK) == 0 {
        return [path, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    }
    return nil
}()

private let outputCounter = OutputCounter()

private final class OutputCounter: @unchecked Sendable {
    // Guarded by `lock`; a counter is all it holds.
    private var value = 0
    private let lock = NSLock()

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Runs the built jesterctl against `socket` and waits for it, at most 30 seconds.
func jesterctl(
    _ arguments: [String],
    socket: String,
    in scratch: Scratch,
    prefix: [String] = []
) throws -> Outcome {
    let argv = prefix + [Repository.jesterctl, "--socket", socket] + arguments
    let child = try Child(argv, output: scratch.file("ctl-\(outputCounter.next())"))
    return try child.wait(timeout: 30)
}

/// A jesterd running on a scratch directory's data, state and socket.
final class Daemon {
    let scratch: Scratch
    let socket: String
    let process: Child
    let spawnedAt: Double

    init(_ scratch: Scratch, socket: String? = nil, extraArguments: [String] = []) throws {
        self.scratch = scratch
        self.socket = socket ?? scratch.socket
        spawnedAt = monotonicSeconds()
        process = try Child([
            Repository.jesterd,
            "--data-dir", scratch.data,
            "--socket", self.socket,
            "--state-dir", scratch.state,
            "--epochs", "3",
            "--log-level", "debug",
        ] + extraArguments, output: scratch.file("jesterd-\(outputCounter.next())"))
    }

    /// Polls `jesterctl status` until it reports `state ready`, at most `timeout` seconds.
    func waitUntilReady(timeout: Double = 60) async throws {
        var last: Outcome?
        let ready = try await eventually(timeout: timeout) {
            guard process.isRunning else {
                throw SetupError("jesterd exited before it was ready: \(process.outcome)")
            }
            let outcome = try jesterctl(["status"], socket: socket, in: scratch)
            last = outcome
            return outcome.status == 0 && outcome.stdout.contains(/state\s+ready/)
        }
        guard ready else {
            throw SetupError("jesterd not ready in \(timeout) s; last status: "
                             + "\(last.map(String.init(describing:)) ?? "none")\nlog:\n\(log)")
        }
    }

    var log: String { process.stderr }

    /// SIGTERM, then the exit status; jesterd is killed if it does not exit in 20 seconds.
    func stop() throws -> Int32 {
        process.signal(SIGTERM)
        return try process.wait(timeout: 20).status
    }

    func kill() { process.kill() }
}

/// Starts jesterd and waits until it is ready.
func readyDaemon(
    _ scratch: Scratch,
    socket: String? = nil,
    extraArguments: [String] = []
) async throws -> Daemon {
    let daemon = try Daemon(scratch, socket: socket, extraArguments: extraArguments)
    do {
        try await daemon.waitUntilReady()
    } catch {
        daemon.kill()
        throw error
    }
    return daemon
}
