import Glibc

/// A Unix socket address for `path`.
private func address(_ path: String) throws -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
        throw HarnessError("socket path too long: \(path)")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
    return address
}

private let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

/// One reply as read off the wire: its lines, without line ends.
struct RawReply: CustomStringConvertible {
    var lines: [String]

    /// The code of the reply's first line.
    var code: Int { Int(lines[0].prefix(3)) ?? -1 }

    /// The text after the code of each line.
    var payloads: [String] { lines.map { String($0.dropFirst(4)) } }

    var description: String { lines.joined(separator: "\n") }

    /// The value of `key=` in the last line, for unquoted values.
    func field(_ key: String, line: Int? = nil) -> String? {
        let text = lines[line ?? lines.count - 1]
        for word in text.dropFirst(4).split(separator: " ") where word.hasPrefix(key + "=") {
            return String(word.dropFirst(key.count + 1))
        }
        return nil
    }
}

/// A client connection that writes raw bytes and reads replies with deadlines.
final class RawConnection {
    let descriptor: Int32
    private var pending: [UInt8] = []
    private var closed = false

    init(_ path: String) throws {
        var address = try address(path)
        descriptor = socket(AF_UNIX, streamType, 0)
        guard descriptor >= 0 else { throw HarnessError("socket: errno \(errno)") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw HarnessError("connect \(path): \(String(cString: strerror(code)))")
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    /// Sends every byte; returns false once the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset,
                           Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads what is available, waiting at most until `deadline`; `false` at end of stream.
    private func fill(until deadline: Double) throws -> Bool {
        while true {
            let left = deadline - now()
            guard left > 0 else { throw HarnessError("nothing read in time") }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = Glibc.poll(&descriptors, 1, Int32(left * 1000) + 1)
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, 0)
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == ECONNRESET { return false }
            guard count >= 0 else { throw HarnessError("recv: errno \(errno)") }
            if count == 0 { return false }
            pending += buffer[..<count]
            return true
        }
    }

    /// Reads the next `count` replies.
    func replies(_ count: Int, timeout: Double = 20) throws -> [RawReply] {
        let deadline = now() + timeout
        var replies: [RawReply] = []
        var lines: [String] = []
        while replies.count < count {
            guard let newline = pending.firstIndex(of: 0x0A) else {
                guard try fill(until: deadline) else {
                    throw HarnessError("end of stream after \(replies.count) of \(count) replies")
                }
                continue
            }
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            lines.append(line)
            let bytes = Array(line.utf8)
            guard bytes.count >= 3 else { throw HarnessError("not a reply line: \(line)") }
            if bytes.count == 3 || bytes[3] == 0x20 {
                replies.append(RawReply(lines: lines))
                lines = []
            }
        }
        return replies
    }

    func reply(timeout: Double = 20) throws -> RawReply { try replies(1, timeout: timeout)[0] }

    /// Reads until the server closes the connection; returns what was not yet read.
    func readToEnd(timeout: Double = 20) throws -> String {
        let deadline = now() + timeout
        while try fill(until: deadline) {}
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}

/// A listening socket standing in for jesterd.
final class FakeServer {
    let descriptor: Int32
    let path: String

    init(_ path: String) throws {
        self.path = path
        var address = try address(path)
        descriptor = socket(AF_UNIX, streamType, 0)
        guard descriptor >= 0 else { throw HarnessError("socket: errno \(errno)") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else {
            Glibc.close(descriptor)
            throw HarnessError("bind or listen \(path): errno \(errno)")
        }
    }

    deinit {
        Glibc.close(descriptor)
        unlink(path)
    }

    /// Accepts one connection, waiting at most `timeout` seconds.
    func accept(timeout: Double = 20) throws -> Int32 {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        guard Glibc.poll(&descriptors, 1, Int32(timeout * 1000)) > 0 else {
            throw HarnessError("no connection within \(timeout) s")
        }
        let client = Glibc.accept(descriptor, nil, nil)
        guard client >= 0 else { throw HarnessError("accept: errno \(errno)") }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        return client
    }

    /// Reads from `client` until a line end arrives, at most `timeout` seconds.
    func readLine(_ client: Int32, timeout: Double = 20) throws -> String {
        let deadline = now() + timeout
        var bytes: [UInt8] = []
        while !bytes.contains(0x0A) {
            var descriptors = [pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
            let left = deadline - now()
            guard left > 0 else { throw HarnessError("no request line in time") }
            guard Glibc.poll(&descriptors, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw HarnessError("client left without a request line") }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to `client`.
    func write(_ client: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes {
            Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
    }
}
