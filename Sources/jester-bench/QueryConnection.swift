import Glibc
import JesterSystem

/// Counts whole replies in a byte stream and checks each one's status code and line count.
///
/// A reply is one or more lines `NNN-...` ended by a line `NNN ...`: the fourth byte of its
/// last line is a space. Lines may arrive split across any number of chunks.
struct ReplyScanner {
    /// The three digits every line of a good reply starts with, such as `200`.
    let expectedCode: SIMD4<UInt8>
    /// Lines a good reply has, its last line included; `nil` when the count varies.
    let expectedLines: Int?
    /// Replies completed so far.
    private(set) var completeReplies = 0
    /// Completed replies with a wrong code or the wrong number of lines.
    private(set) var badReplies = 0

    private var header = SIMD4<UInt8>()
    private var headerLength = 0
    private var linesInReply = 0
    private var replyIsBad = false

    /// A scanner expecting replies of `lines` lines (any number when `nil`), each starting
    /// with `code`.
    init(code: String, lines: Int?) {
        let digits = Array(code.utf8)
        precondition(digits.count == 3, "a reply code has three digits")
        expectedCode = SIMD4(digits[0], digits[1], digits[2], 0)
        expectedLines = lines
    }

    /// Scans a chunk of the stream.
    mutating func scan(_ chunk: UnsafeRawBufferPointer) {
        guard let start = chunk.baseAddress else { return }
        let bytes = start.assumingMemoryBound(to: UInt8.self)
        var position = 0
        while position < chunk.count {
            // Keep the first four bytes of a line: its code and whether it ends the reply.
            while headerLength < 4, position < chunk.count, bytes[position] != 0x0A {
                header[headerLength] = bytes[position]
                headerLength += 1
                position += 1
            }
            guard position < chunk.count else { return }

            // The rest of the line only matters for where it ends.
            let remaining = chunk.count - position
            guard let newline = memchr(bytes + position, 0x0A, remaining) else { return }
            position += UnsafeRawPointer(newline) - UnsafeRawPointer(bytes + position) + 1
            finishLine()
        }
    }

    private mutating func finishLine() {
        linesInReply += 1
        let codeMatches = headerLength >= 3
            && header[0] == expectedCode[0]
            && header[1] == expectedCode[1]
            && header[2] == expectedCode[2]
        if !codeMatches { replyIsBad = true }
        // A line of three bytes, or one whose fourth byte is not the `-` of a continued reply,
        // ends its reply; anything but a space there is malformed.
        let continues = headerLength == 4 && header[3] == 0x2D
        if headerLength == 4, header[3] != 0x20, !continues { replyIsBad = true }
        headerLength = 0
        guard !continues else { return }

        if let expectedLines, linesInReply != expectedLines { replyIsBad = true }
        completeReplies += 1
        if replyIsBad { badReplies += 1 }
        linesInReply = 0
        replyIsBad = false
    }
}

/// A blocking client connection to the query socket, for driving load.
///
/// Every receive waits at most ``replyTimeout`` seconds, so a server that stops answering ends
/// the measurement instead of hanging it.
final class BenchConnection {
    /// Seconds a send or a receive may block (SO_SNDTIMEO, SO_RCVTIMEO), and the most a whole
    /// reply may take to arrive.
    static let replyTimeout = 5

    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)

    /// Connects to the socket at `path`.
    init(path: String) throws(SocketError) {
        descriptor = try connectUnixSocket(path)
        var interval = timeval(tv_sec: Self.replyTimeout, tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            _ = setsockopt(
                descriptor,
                SOL_SOCKET,
                option,
                &interval,
                socklen_t(MemoryLayout<timeval>.size)
            )
        }
    }

    /// Closes the connection; the server's thread for it then ends.
    deinit { close(descriptor) }

    /// Writes all of `bytes` (send(2) with MSG_NOSIGNAL, EINTR retried).
    ///
    /// - Returns: `false` when the connection failed.
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let sent = Glibc.send(
                descriptor,
                base + offset,
                bytes.count - offset,
                Int32(MSG_NOSIGNAL)
            )
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Writes all of an array's bytes; returns `false` when the connection failed.
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send($0) }
    }

    /// Reads until `scanner` has counted `replies` complete replies (recv(2), EINTR retried).
    ///
    /// - Returns: `false` on end of file, an error, or replies still missing after
    ///   ``replyTimeout`` seconds.
    func receive(untilReplies replies: Int, scanner: inout ReplyScanner) -> Bool {
        var limit = TimeLimit()
        while scanner.completeReplies < replies {
            let count = receiveChunk()
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.withUnsafeBytes { scanner.scan(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            if scanner.completeReplies < replies, limit.hasPassed() { return false }
        }
        return true
    }

    /// The limit on one whole receive, read from the clock only once a reply takes more than
    /// one recv, so the common case costs no clock reading.
    private struct TimeLimit {
        private var deadline: UInt64 = 0

        /// Whether ``BenchConnection/replyTimeout`` seconds passed since the first call; the
        /// first call starts the limit and answers `false`.
        mutating func hasPassed() -> Bool {
            let now = monotonicNanoseconds()
            if deadline == 0 {
                deadline = now + UInt64(BenchConnection.replyTimeout) * 1_000_000_000
                return false
            }
            return now > deadline
        }
    }

    /// One recv(2) into the buffer; the count it returns.
    private func receiveChunk() -> Int {
        buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until `replies` complete replies arrived and returns their bytes, for checks of
    /// content; see ``receive(untilReplies:scanner:)``.
    func receiveBytes(replies: Int, code: String, lines: Int?) -> [UInt8]? {
        var scanner = ReplyScanner(code: code, lines: lines)
        var collected: [UInt8] = []
        var limit = TimeLimit()
        while scanner.completeReplies < replies {
            let count = receiveChunk()
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            collected.append(contentsOf: buffer[..<count])
            buffer.withUnsafeBytes { scanner.scan(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            if scanner.completeReplies < replies, limit.hasPassed() { return nil }
        }
        return collected
    }
}
