import Glibc

/// Who is at the other end of a Unix socket connection, as the kernel saw it at connect time.
public struct PeerCredentials: Sendable, Equatable {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32
    /// The supplementary groups, when the kernel reports them (Linux 4.13 and later).
    public var supplementaryGroups: [UInt32]

    public init(processID: Int32, userID: UInt32, groupID: UInt32, supplementaryGroups: [UInt32]) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
        self.supplementaryGroups = supplementaryGroups
    }

    /// Reads a connected socket's peer (getsockopt(2) SO_PEERCRED, then SO_PEERGROUPS; see
    /// unix(7)). EINTR cannot happen on these calls.
    ///
    /// - Throws: ``SystemError`` when SO_PEERCRED fails; a failing SO_PEERGROUPS only leaves
    ///   the supplementary groups empty.
    public static func of(_ descriptor: Int32) throws(SystemError) -> PeerCredentials {
        // struct ucred is pid_t, uid_t, gid_t: three 32-bit words.
        var words: [UInt32] = [0, 0, 0]
        var length = socklen_t(MemoryLayout<UInt32>.size * 3)
        try retryingSyscall("getsockopt") {
            getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &words, &length)
        }

        var groups = [UInt32](repeating: 0, count: 256)
        var groupsLength = socklen_t(MemoryLayout<UInt32>.size * groups.count)
        let peerGroups: Int32 = 59
        if getsockopt(descriptor, SOL_SOCKET, peerGroups, &groups, &groupsLength) == 0 {
            groups.removeSubrange((Int(groupsLength) / MemoryLayout<UInt32>.size)...)
        } else {
            groups = []
        }
        return PeerCredentials(
            processID: Int32(bitPattern: words[0]),
            userID: words[1],
            groupID: words[2],
            supplementaryGroups: groups
        )
    }
}

/// Who may use the admin verbs: root, the daemon's own user and members of one group.
public struct AdminPolicy: Sendable, Equatable {
    /// The daemon's own user id.
    public var ownUserID: UInt32
    /// The configured admin group's id, if any.
    public var groupID: UInt32?

    public init(ownUserID: UInt32 = getuid(), groupID: UInt32? = nil) {
        self.ownUserID = ownUserID
        self.groupID = groupID
    }

    /// Whether a peer may use the admin verbs.
    public func allows(_ peer: PeerCredentials) -> Bool {
        if peer.userID == 0 || peer.userID == ownUserID { return true }
        guard let groupID else { return false }
        return peer.groupID == groupID || peer.supplementaryGroups.contains(groupID)
    }

    /// The id of a group by name (getgrnam_r(3)), or `nil` when there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        var entry = Glibc.group()
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        var result: UnsafeMutablePointer<Glibc.group>?
        let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}
