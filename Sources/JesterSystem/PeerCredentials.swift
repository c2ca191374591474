import Glibc

/// Who is on the other end of a Unix socket connection, as the kernel reports it.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups, when the kernel reports them (SO_PEERGROUPS, Linux 4.13).
    public var groups: [UInt32]

    /// The credentials of a connected socket's peer (getsockopt(2) SO_PEERCRED, SO_PEERGROUPS).
    public init(of descriptor: Int32) throws(SystemError) {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } needs _GNU_SOURCE in C, so Swift
        // does not see it; its layout is three 32-bit fields. SO_PEERCRED is 17 on Linux.
        var credentials: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        let peerCredentials: Int32 = 17
        try retryingSyscall("getsockopt") {
            getsockopt(descriptor, SOL_SOCKET, peerCredentials, &credentials, &length)
        }
        pid = credentials.0
        uid = credentials.1
        gid = credentials.2

        // SO_PEERGROUPS is 59 on every Linux architecture; Glibc's headers may lack the name.
        let peerGroups: Int32 = 59
        var buffer = [gid_t](repeating: 0, count: 256)
        var size = socklen_t(buffer.count * MemoryLayout<gid_t>.size)
        let result = buffer.withUnsafeMutableBytes { getsockopt(descriptor, SOL_SOCKET, peerGroups, $0.baseAddress, &size) }
        groups = result == 0 ? Array(buffer.prefix(Int(size) / MemoryLayout<gid_t>.size)) : []
    }

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// Which peers may use admin verbs: root, the daemon's own user, and members of one group.
public struct AdminPolicy: Sendable {
    public var daemonUID: UInt32
    public var adminGroup: UInt32?

    public init(daemonUID: UInt32 = getuid(), adminGroup: UInt32? = nil) {
        self.daemonUID = daemonUID
        self.adminGroup = adminGroup
    }

    public func allows(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        guard let adminGroup else { return false }
        return peer.gid == adminGroup || peer.groups.contains(adminGroup)
    }

    /// The id of a group by name (getgrnam(3)), or `nil` when there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }
}
