import Glibc
import JesterCore

/// Why a client exchange failed.
public enum ClientError: Error, CustomStringConvertible, Sendable {
    /// The daemon could not be reached, or closed the connection before replying.
    case unreachable(String)
    /// The daemon did not reply within the timeout.
    case timedOut(Double)
    /// The reply broke the protocol.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .unreachable(let reason): reason
        case .timedOut(let seconds): "no reply within \(ReplyText.fixed(seconds, decimals: 0)) s"
        case .protocolViolation(let reason): "protocol error: \(reason)"
        }
    }
}

/// A blocking client connection to jesterd.
public final class ProtocolClient {
    private let descriptor: Int32
    private var reader = ReplyReader()
    private var ready: [[ReceivedLine]] = []

    /// Connects to the socket at `path`; waits at most `timeout` seconds for each reply.
    public init(path: String, timeout: Double = 30) throws(ClientError) {
        do {
            descriptor = try connectUnixSocket(path)
        } catch {
            throw .unreachable("cannot connect to \(path): \(error)")
        }
        let whole = timeout.rounded(.down)
        var interval = timeval(tv_sec: Int(whole), tv_usec: max(timeout > 0 ? 1 : 0, Int((timeout - whole) * 1e6)))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        self.timeout = timeout
    }

    private let timeout: Double

    deinit { close(descriptor) }

    /// Sends request lines, each followed by LF.
    public func send(_ lines: [String]) throws(ClientError) {
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        if let code = sendAll(descriptor, bytes) {
            throw .unreachable("cannot send: \(String(cString: strerror(code)))")
        }
    }

    /// Reads the next whole reply.
    public func receive() throws(ClientError) -> [ReceivedLine] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while ready.isEmpty {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut(timeout) }
                throw .unreachable("cannot read: \(String(cString: strerror(errno)))")
            }
            guard count > 0 else { throw .unreachable("jesterd closed the connection without a reply") }
            do {
                ready += try reader.feed(buffer[..<count])
            } catch {
                switch error {
                case .malformedLine(let line): throw .protocolViolation("not a reply line: \(line.debugDescription)")
                case .mixedCodes: throw .protocolViolation("a reply whose lines carry different codes")
                }
            }
        }
        return ready.removeFirst()
    }
}
