import Foundation
import Glibc
import JesterTestSupport
import Synchronization
import Testing

/// A per-test directory under /tmp, short enough for socket paths, removed at the end.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/jsd.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    /// The bundled jokes and the small ratings prefix, copied into `data/`.
    func copyBundledData() throws -> String {
        let data = path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for name in ["jester_items.dat", "ratings-ds2-prefix.dat"] {
            try FileManager.default.copyItem(atPath: Build.repository + "/data/" + name, toPath: data + "/" + name)
        }
        return data
    }
}

/// Where the built programs and the repository are.
enum Build {
    /// The directory of the test bundle, where SwiftPM also puts jesterd and jesterctl.
    static let products: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent
    }()

    static let repository: String = {
        var directory = products
        while directory != "/" && !FileManager.default.fileExists(atPath: directory + "/Package.swift") {
            directory = (directory as NSString).deletingLastPathComponent
        }
        return directory
    }()

    static var jesterd: String { products + "/jesterd" }
    static var jesterctl: String { products + "/jesterctl" }
}

/// One datagram from the service, with when it arrived on the monotonic clock.
struct Notification {
    var text: String
    var seconds: Double

    /// The value of `NAME=` in the message, if present.
    func value(_ name: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "=") {
            return String(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The service manager's end of `NOTIFY_SOCKET` (or of the journal socket): a datagram
/// socket that keeps every message, closing any descriptor passed along with one.
final class DatagramInbox {
    let path: String
    let descriptor: Int32
    private(set) var received: [Notification] = []
    private var cursor = 0

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var size: Int32 = 4 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    /// Receives until a message satisfies `predicate` or `timeout` seconds pass; messages
    /// are matched in arrival order from where the last match left off.
    func next(
        within timeout: Double = 20,
        where predicate: (Notification) -> Bool
    ) -> Notification? {
        let deadline = monotonicNow() + timeout
        while true {
            while cursor < received.count {
                let message = received[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            let remaining = deadline - monotonicNow()
            guard remaining > 0, receiveOne(waiting: remaining) else { return nil }
        }
    }

    /// The next message holding `NAME=`.
    func next(_ name: String, within timeout: Double = 20) -> Notification? {
        next(within: timeout) { $0.value(name) != nil }
    }

    private func receiveOne(waiting seconds: Double) -> Bool {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        guard poll(&descriptors, 1, Int32(seconds * 1000) + 1) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var control = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { bytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var header = msghdr()
                    header.msg_iov = vectorPointer
                    header.msg_iovlen = 1
                    header.msg_control = controlBytes.baseAddress
                    header.msg_controllen = controlBytes.count
                    let count = recvmsg(descriptor, &header, Int32(MSG_CMSG_CLOEXEC))
                    if count >= 0 { Self.closePassedDescriptors(header) }
                    return count
                }
            }
        }
        guard count >= 0 else { return errno == EINTR || errno == EAGAIN }
        received.append(Notification(text: String(decoding: buffer[..<count], as: UTF8.self), seconds: monotonicNow()))
        return true
    }

    private static func closePassedDescriptors(_ header: msghdr) {
        var header = header
        var message = __cmsg_nxthdr_first(&header)
        while let current = message {
            if current.pointee.cmsg_level == SOL_SOCKET && current.pointee.cmsg_type == Int32(SCM_RIGHTS) {
                let headerSize = MemoryLayout<cmsghdr>.size
                let count = (Int(current.pointee.cmsg_len) - headerSize) / MemoryLayout<Int32>.size
                let data = UnsafeRawPointer(current).advanced(by: headerSize)
                for index in 0..<count {
                    close(data.load(fromByteOffset: index * 4, as: Int32.self))
                }
            }
            message = __cmsg_nxthdr_next(&header, current)
        }
    }
}

// CMSG_FIRSTHDR and CMSG_NXTHDR are macros, which do not import.
private func __cmsg_nxthdr_first(_ header: UnsafeMutablePointer<msghdr>) -> UnsafeMutablePointer<cmsghdr>? {
    guard header.pointee.msg_controllen >= MemoryLayout<cmsghdr>.size else { return nil }
    return header.pointee.msg_control?.assumingMemoryBound(to: cmsghdr.self)
}

private func __cmsg_nxthdr_next(
    _ header: UnsafeMutablePointer<msghdr>,
    _ current: UnsafeMutablePointer<cmsghdr>
) -> UnsafeMutablePointer<cmsghdr>? {
    let alignment = MemoryLayout<Int>.size
    let length = (Int(current.pointee.cmsg_len) + alignment - 1) & ~(alignment - 1)
    guard length > 0 else { return nil }
    let next = UnsafeMutableRawPointer(current).advanced(by: length)
    let end = header.pointee.msg_control!.advanced(by: header.pointee.msg_controllen)
    guard next + MemoryLayout<cmsghdr>.size <= end else { return nil }
    return next.assumingMemoryBound(to: cmsghdr.self)
}

/// A started program with its standard error captured.
final class RunningProgram {
    let process = Process()
    let errors: Pipe
    let output = Pipe()

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        standardError: Pipe? = nil
    ) throws {
        errors = standardError ?? Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                     "JOURNAL_STREAM", "JESTERD_SOCKET"] {
            merged[name] = nil
        }
        merged.merge(environment) { $1 }
        process.environment = merged
        process.standardError = errors
        process.standardOutput = output
        try process.run()
    }

    /// jesterd under `sh`, which sets WATCHDOG_PID to the pid jesterd will have after exec.
    static func daemon(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningProgram {
        try RunningProgram(
            "/bin/sh",
            ["-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\"", Build.jesterd] + arguments,
            environment: environment
        )
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits at most `timeout` seconds for the exit; kills the program if it does not exit.
    func exitStatus(within timeout: Double) -> Int32? {
        let deadline = monotonicNow() + timeout
        while process.isRunning && monotonicNow() < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Standard error, once the program has exited.
    var standardError: String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    var standardOutput: String {
        String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Runs a program to its end and returns its exit status, standard output and error.
func runToEnd(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Double = 60
) throws -> (status: Int32?, output: String, errors: String) {
    let program = try RunningProgram(executable, arguments, environment: environment)
    // Read while it runs, so a full pipe cannot stall it.
    let output = CollectedBytes()
    let errors = CollectedBytes()
    let group = DispatchGroup()
    for (pipe, sink) in [(program.output, output), (program.errors, errors)] {
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async(group: group) {
            let data = handle.readDataToEndOfFile()
            sink.bytes.withLock { $0 = data }
        }
    }
    let status = program.exitStatus(within: timeout)
    _ = group.wait(timeout: .now() + 5)
    return (status, output.text, errors.text)
}

private final class CollectedBytes: Sendable {
    let bytes = Mutex(Data())
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// Sends request lines on one connection and returns everything read until the server closes
/// it (the last line should be `quit`).
func exchange(_ socketPath: String, _ lines: [String]) -> String? {
    let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(client) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(client, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard connected == 0 else { return nil }
    let request = Array(lines.map { $0 + "\n" }.joined().utf8)
    _ = request.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { break }
        reply += buffer[..<count]
    }
    return String(decoding: reply, as: UTF8.self)
}

/// Generated ratings that take a debug-built jesterd a second or more to train on.
func writeSlowTrainingData(into directory: String) throws {
    var ratings = SyntheticRatings()
    ratings.users = 20_000
    ratings.ratings = 800_000
    try Data(ratings.fileBytes()).write(to: URL(fileURLWithPath: directory + "/ratings-generated.dat"))
}
