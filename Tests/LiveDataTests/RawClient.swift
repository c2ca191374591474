import Glibc
import JesterSystem

/// One reply as read off the socket, without line ends.
struct RawReply: CustomStringConvertible {
    var lines: [String]

    var code: Int { Int(lines.first?.prefix(3) ?? "") ?? -1 }

    var description: String { lines.joined(separator: "\n") }

    /// The unquoted value of `key=` on the last line.
    func field(_ key: String) -> String? {
        guard let last = lines.last else { return nil }
        for word in last.dropFirst(4).split(separator: " ") where word.hasPrefix(key + "=") {
            return String(word.dropFirst(key.count + 1))
        }
        return nil
    }

    func integer(_ key: String) -> Int? { field(key).flatMap { Int($0) } }
}

/// A plain client of the line protocol, written against the socket rather than with the
/// project's own client, with a deadline on every reply.
final class RawClient {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    /// Connects, or throws when nothing listens on `path`.
    init(_ path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SetupError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("socket: errno \(errno)") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw SetupError("connect \(path): \(String(cString: strerror(code)))")
        }
    }

    deinit { close(descriptor) }

    /// Sends one request line and reads its whole reply.
    func request(_ line: String, timeout: Double = 30) throws -> RawReply {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw SetupError("send: errno \(errno)") }
            offset += sent
        }
        return try reply(timeout: timeout)
    }

    private func reply(timeout: Double) throws -> RawReply {
        let deadline = monotonicSeconds() + timeout
        var lines: [String] = []
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                lines.append(line)
                let bytes = Array(line.utf8)
                // The last line of a reply has a space (or nothing) after its code.
                if bytes.count == 3 || (bytes.count > 3 && bytes[3] == 0x20) {
                    return RawReply(lines: lines)
                }
                continue
            }
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw SetupError("no whole reply within \(timeout) s") }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            guard poll(&descriptors, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, 0)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw SetupError("connection closed before a whole reply") }
            pending += buffer[..<count]
        }
    }
}

/// The distinct (user, joke) pairs jesterd should hold for a data directory, counted here
/// from the files without the project's parser: three blank-separated fields, integer ids,
/// a rating from -10 to 10, a joke the jokes file names; a last line without its newline
/// does not count yet.
func distinctPairs(in directory: String) throws -> Int {
    let jokesText = String(decoding: try Files.read(directory + "/jester_items.dat"),
                           as: UTF8.self)
    var jokes = Set<Int>()
    for line in jokesText.split(separator: "\n") {
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        if trimmed.hasSuffix(":"), let id = Int(trimmed.dropLast()) { jokes.insert(id) }
    }
    var pairs = Set<Int>()
    for name in try Files.list(directory)
    where !name.hasPrefix(".") && name.hasSuffix(".dat") && name.contains("ratings")
        && name != "jester_items.dat" {
        let bytes = try Files.read(directory + "/" + name)
        let complete = bytes.lastIndex(of: 0x0A).map { bytes[...$0] } ?? []
        for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") {
            let fields = line.split { $0 == " " || $0 == "\t" || $0 == "\r" }
            guard fields.count == 3, let user = Int(fields[0]), let joke = Int(fields[1]),
                  let rating = Double(fields[2]), (-10...10).contains(rating),
                  jokes.contains(joke) else { continue }
            pairs.insert(user << 32 | joke)
        }
    }
    return pairs.count
}
