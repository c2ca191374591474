import Foundation
import Glibc
import JesterSystem

/// A failure of the test's own setup, not of the code under test.
struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the repository's data and the built executables are.
enum Repository {
    /// The package root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    static var data: String { root + "/data" }

    /// `JESTER_BIN_DIR`, else the directory of the running test executable.
    static let binaries: String = {
        if let override = ProcessInfo.processInfo.environment["JESTER_BIN_DIR"],
           !override.isEmpty {
            return override
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let executable = count > 0
            ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    static var jesterd: String { binaries + "/jesterd" }
    static var jesterctl: String { binaries + "/jesterctl" }
}

/// A fresh directory under /tmp with a short name, removed when the value goes away.
final class Scratch: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/ld-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else { throw SetupError("mkdtemp: errno \(errno)") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var data: String { file("data") }
    var state: String { file("state") }
    var socket: String { file("s.sock") }

    /// Creates `data/` holding the jokes file and the Dataset 2 prefix from the repository.
    func copyData(into directory: String? = nil) throws {
        let target = directory ?? data
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in ["jester_items.dat", "ratings-ds2-prefix.dat"] {
            let bytes = try Files.read(Repository.data + "/" + name)
            try write(target + "/" + name, bytes)
        }
    }

    func makeDirectory(_ name: String) throws -> String {
        let path = file(name)
        guard mkdir(path, 0o755) == 0 else { throw SetupError("mkdir \(path): errno \(errno)") }
        return path
    }
}

/// Creates or replaces a file's contents with one write(2).
func write(_ path: String, _ bytes: [UInt8]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw SetupError("open \(path): errno \(errno)") }
    defer { close(descriptor) }
    try writeAll(descriptor, bytes, path)
}

func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

/// Appends bytes to a file, creating it, with one write(2) as a writer of one line would.
func append(_ path: String, _ bytes: [UInt8]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw SetupError("open \(path): errno \(errno)") }
    defer { close(descriptor) }
    try writeAll(descriptor, bytes, path)
}

func append(_ path: String, _ text: String) throws { try append(path, Array(text.utf8)) }

private func writeAll(_ descriptor: Int32, _ bytes: [UInt8], _ path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes {
            Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
        }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw SetupError("write \(path): errno \(errno)") }
        offset += written
    }
}

/// Renames a file, failing the test's setup when the kernel refuses.
func move(_ from: String, _ to: String) throws {
    guard rename(from, to) == 0 else { throw SetupError("rename \(from): errno \(errno)") }
}

func remove(_ path: String) throws {
    guard unlink(path) == 0 else { throw SetupError("unlink \(path): errno \(errno)") }
}

func truncateFile(_ path: String, to size: Int) throws {
    guard truncate(path, off_t(size)) == 0 else {
        throw SetupError("truncate \(path): errno \(errno)")
    }
}

func fileSize(_ path: String) -> Int {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : -1
}

func inode(_ path: String) -> UInt64 {
    var status = stat()
    return stat(path, &status) == 0 ? UInt64(status.st_ino) : 0
}

/// One ratings line in the Dataset 2 layout.
func ratingLine(_ user: Int, _ joke: Int, _ rating: Double) -> String {
    "\(user)\t\t\(joke)\t\t\(rating)\n"
}
