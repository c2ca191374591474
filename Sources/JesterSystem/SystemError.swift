import Glibc

/// A failed system call: its name and `errno`.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public var call: String
    public var errno: Int32
    /// The path or other object the call was about, when there is one.
    public var subject: String?

    public init(_ call: String, errno: Int32, subject: String? = nil) {
        self.call = call
        self.errno = errno
        self.subject = subject
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        let about = subject.map { " (\($0))" } ?? ""
        return "\(call)\(about): \(reason) (errno \(errno))"
    }
}

/// Runs a system call that returns -1 and sets `errno` on failure, retrying on EINTR.
///
/// - Throws: ``SystemError`` for every other failure, EAGAIN included; callers that expect
///   EAGAIN check for it.
@discardableResult
func retryingSyscall<Result: BinaryInteger>(
    _ name: String,
    subject: String? = nil,
    _ call: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        precondition(code != EBADF && code != EFAULT, "\(name) failed with \(code): a descriptor or pointer bug")
        throw SystemError(name, errno: code, subject: subject)
    }
}

/// Sets close-on-exec on a descriptor (fcntl(2) F_SETFD).
func setCloseOnExec(_ descriptor: Int32) throws(SystemError) {
    try retryingSyscall("fcntl") { fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
}

/// Closes a descriptor (close(2)); EINTR is not retried, as Linux has already released it.
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
