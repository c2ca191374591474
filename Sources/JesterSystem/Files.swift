import Glibc

/// Reading whole files and listing directories, without Foundation.
public enum Files {
    /// Reads a whole file (open(2), fstat(2), read(2)); EINTR is retried.
    public static func read(_ path: String) throws(SystemError) -> [UInt8] {
        let descriptor = try retryingSyscall("open", subject: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { closeDescriptor(descriptor) }
        var status = stat()
        try retryingSyscall("fstat", subject: path) { fstat(descriptor, &status) }

        // One read into a buffer of the file's size, plus a byte to notice growth, then
        // chunks for whatever was appended meanwhile. The first buffer is not zeroed first:
        // the state file alone is tens of megabytes.
        let expected = max(Int(status.st_size), 0) + 1
        var failure: SystemError?
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            do throws(SystemError) {
                let raw = UnsafeMutableRawBufferPointer(buffer)
                initialized = try readFully(descriptor, into: raw, path: path)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }

        var filled = bytes.count
        var bufferFull = filled == expected
        while bufferFull {
            let chunk = max(bytes.count, 1 << 16)
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let count = try bytes.withUnsafeMutableBytes { buffer in
                let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
                return Result { () throws(SystemError) in try readFully(descriptor, into: rest, path: path) }
            }.get()
            filled += count
            bufferFull = count == chunk
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    private static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer,
                                  path: String) throws(SystemError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try retryingSyscall("read", subject: path) {
                Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// The names in a directory, sorted bytewise, without `.` and `..` (opendir(3)).
    public static func list(_ directory: String) throws(SystemError) -> [String] {
        guard let stream = opendir(directory) else {
            throw SystemError("opendir", errno: errno, subject: directory)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Writes all of `bytes` to a descriptor (write(2)); EINTR is retried.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = try bytes.withUnsafeBytes { buffer in
                Result { () throws(SystemError) in
                    try retryingSyscall("write", subject: path) {
                        write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    }
                }
            }.get()
            offset += written
        }
    }

    /// Flushes a directory's entries to disk (open(2), fsync(2)), so a file created or
    /// renamed in it survives a crash.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let descriptor = try retryingSyscall("open", subject: path) {
            open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        defer { close(descriptor) }
        try retryingSyscall("fsync", subject: path) { fsync(descriptor) }
    }

    /// Whether a path names a regular file (stat(2)).
    public static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether a path names a directory (stat(2)).
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates a directory and its missing parents with mode 0755 (mkdir(2)).
    public static func createDirectory(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw SystemError("mkdir", errno: errno, subject: prefix)
            }
        }
    }
}
