import Glibc
import JesterSystem
import Testing

/// UnixListener on real sockets in a temporary directory.
struct UnixListenerTests {
    private func fileMode(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode
    }

    private func exists(_ path: String) -> Bool { fileMode(path) != nil }

    /// Binds a socket at `path` and closes it without removing the path, as a process that
    /// died would.
    private func leaveStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
    }

    @Test func bindsASocketWithTheGivenMode() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("l.sock")
        let listener = try UnixListener(path: path, mode: 0o660)
        defer { listener.close() }

        let mode = try #require(fileMode(path))
        #expect(mode & S_IFMT == S_IFSOCK)
        #expect(mode & 0o7777 == 0o660)
        #expect(listener.ownedPath == path)

        let client = try connectUnixSocket(path)
        close(client)
    }

    @Test func removesAStaleSocketFileAndBinds() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("stale.sock")
        try leaveStaleSocket(at: path)
        #expect(fileMode(path).map { $0 & S_IFMT } == S_IFSOCK)

        let listener = try UnixListener(path: path)
        defer { listener.close() }
        let client = try connectUnixSocket(path)
        close(client)
    }

    @Test func refusesAPathALiveListenerServes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("live.sock")
        let first = try UnixListener(path: path)
        defer { first.close() }

        #expect {
            _ = try UnixListener(path: path)
        } throws: { error in
            guard case SocketError.alreadyServed(let served) = error else { return false }
            return served == path
        }
        // The first listener still owns the path and accepts.
        let client = try connectUnixSocket(path)
        close(client)
    }

    @Test func refusesARegularFileAndLeavesItIntact() throws {
        let directory = try TemporaryDirectory()
        try directory.write("plain.sock", "keep me\n")
        let path = directory.file("plain.sock")

        #expect {
            _ = try UnixListener(path: path)
        } throws: { error in
            guard case SocketError.notASocket(let named) = error else { return false }
            return named == path
        }
        #expect(try Files.read(path) == Array("keep me\n".utf8))
    }

    @Test func refusesAPathLongerThanSunPath() throws {
        let path = "/tmp/" + String(repeating: "x", count: 110) + ".sock"
        #expect {
            _ = try UnixListener(path: path)
        } throws: { error in
            guard case SocketError.pathTooLong(let named) = error else { return false }
            return named == path
        }
        #expect(!exists(path))
    }

    @Test func acceptsAPathOfExactly107Bytes() throws {
        let directory = try TemporaryDirectory()
        let prefix = directory.path + "/"
        let path = prefix + String(repeating: "p", count: 107 - prefix.utf8.count)
        try #require(path.utf8.count == 107)
        let listener = try UnixListener(path: path)
        listener.close()
    }

    @Test func closeRemovesThePath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("gone.sock")
        let listener = try UnixListener(path: path)
        #expect(exists(path))
        listener.close()
        #expect(!exists(path))
        #expect(throws: SocketError.self) { try connectUnixSocket(path) }
    }

    @Test func adoptedListenerDoesNotOwnAPath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("a.sock")
        let bound = try UnixListener(path: path)
        defer { bound.close() }
        let adopted = UnixListener(adopting: bound.descriptor)
        #expect(adopted.ownedPath == nil)
    }
}
