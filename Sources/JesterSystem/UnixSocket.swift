import CSystemd
import Glibc

/// Why a Unix socket could not be set up.
public enum SocketError: Error, CustomStringConvertible, Sendable {
    /// The path does not fit `sun_path` (107 bytes).
    case pathTooLong(String)
    /// Another process accepts connections on the path.
    case alreadyServed(String)
    /// Something that is not a socket exists at the path.
    case notASocket(String)
    case system(SystemError)

    public var description: String {
        switch self {
        case .pathTooLong(let path): "socket path is longer than 107 bytes: \(path)"
        case .alreadyServed(let path): "another process already answers on \(path)"
        case .notASocket(let path): "\(path) exists and is not a socket; not removing it"
        case .system(let error): error.description
        }
    }
}

/// SOCK_STREAM | SOCK_CLOEXEC.
let streamSocketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

/// A Unix stream socket address for `path`.
func unixAddress(_ path: String) throws(SocketError) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard !bytes.isEmpty, bytes.count < capacity else { throw .pathTooLong(path) }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return address
}

/// Sends all of `bytes` on a connected socket (send(2) with MSG_NOSIGNAL); EINTR is retried.
///
/// - Returns: `nil` once everything is sent, else the `errno` of the failed call (0 when the
///   peer accepted nothing).
func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let sent = send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return sent < 0 ? errno : 0 }
            offset += sent
        }
        return nil
    }
}

/// Connects a new close-on-exec stream socket to `path` (socket(2), connect(2)).
public func connectUnixSocket(_ path: String) throws(SocketError) -> Int32 {
    var address = try unixAddress(path)
    let descriptor: Int32
    do throws(SystemError) {
        descriptor = try retryingSyscall("socket") { socket(AF_UNIX, streamSocketType, 0) }
    } catch { throw .system(error) }
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard result == 0 else {
        let code = errno
        closeDescriptor(descriptor)
        throw .system(SystemError("connect", errno: code, subject: path))
    }
    return descriptor
}

/// A listening Unix stream socket.
public final class UnixListener: Sendable {
    public let descriptor: Int32
    /// The path bound, when this process bound it and so must remove it.
    public let ownedPath: String?

    /// Takes over a socket that is already listening, such as one passed by systemd.
    public init(adopting descriptor: Int32) {
        self.descriptor = descriptor
        self.ownedPath = nil
    }

    /// Binds and listens on `path` with the given file mode.
    ///
    /// A socket file left by a process that died is removed first, but only after a connect
    /// to it is refused; if something answers, binding fails with ``SocketError/alreadyServed(_:)``.
    public init(path: String, mode: mode_t = 0o660, backlog: Int32 = 128) throws(SocketError) {
        var address = try unixAddress(path)
        try Self.removeStaleSocket(path)

        let descriptor: Int32
        do throws(SystemError) {
            descriptor = try retryingSyscall("socket") { socket(AF_UNIX, streamSocketType, 0) }
        } catch { throw .system(error) }

        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            closeDescriptor(descriptor)
            if code == EADDRINUSE { throw .alreadyServed(path) }
            throw .system(SystemError("bind", errno: code, subject: path))
        }

        guard chmod(path, mode) == 0 else {
            let code = errno
            closeDescriptor(descriptor)
            unlink(path)
            throw .system(SystemError("chmod", errno: code, subject: path))
        }

        guard listen(descriptor, backlog) == 0 else {
            let code = errno
            closeDescriptor(descriptor)
            unlink(path)
            throw .system(SystemError("listen", errno: code, subject: path))
        }
        self.descriptor = descriptor
        self.ownedPath = path
    }

    /// Closes the socket and removes the path this process bound.
    public func close() {
        closeDescriptor(descriptor)
        if let ownedPath { unlink(ownedPath) }
    }

    private static func removeStaleSocket(_ path: String) throws(SocketError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard (status.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path) }
        do throws(SocketError) {
            let probe = try connectUnixSocket(path)
            closeDescriptor(probe)
            throw SocketError.alreadyServed(path)
        } catch {
            guard case .system(let failure) = error, failure.errno == ECONNREFUSED || failure.errno == ENOENT
            else { throw error }
            unlink(path)
        }
    }
}
