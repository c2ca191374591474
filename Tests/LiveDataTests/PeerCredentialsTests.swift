import Glibc
import JesterSystem
import Testing

struct PeerCredentialsTests {
    @Test func aSocketPairReportsThisProcessAsThePeer() throws {
        var ends: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let peer = try PeerCredentials.of(ends[0])
        #expect(peer.processID == getpid())
        #expect(peer.userID == getuid())
        #expect(peer.groupID == getgid())
    }

    private static let policy = AdminPolicy(ownUserID: 1_000, groupID: 50)

    private static func peer(_ user: UInt32, _ group: UInt32, _ groups: [UInt32] = [])
        -> PeerCredentials
    {
        PeerCredentials(processID: 1, userID: user, groupID: group, supplementaryGroups: groups)
    }

    @Test(arguments: [
        (peer(0, 0), true),
        (peer(1_000, 1_000), true),
        (peer(65_534, 65_534), false),
        (peer(65_534, 50), true),
        (peer(65_534, 65_534, [7, 50]), true),
        (peer(65_534, 65_534, [7, 51]), false),
    ])
    func adminsAreRootTheDaemonsUserAndTheAdminGroup(peer: PeerCredentials, allowed: Bool) {
        #expect(Self.policy.allows(peer) == allowed)
    }

    @Test func withoutAnAdminGroupOnlyRootAndTheDaemonsUserAreAdmins() {
        let policy = AdminPolicy(ownUserID: 1_000, groupID: nil)
        #expect(policy.allows(Self.peer(0, 0)))
        #expect(policy.allows(Self.peer(1_000, 9)))
        #expect(!policy.allows(Self.peer(1_001, 0, [0])))
    }

    @Test func groupsAreLookedUpByName() {
        #expect(AdminPolicy.groupID(named: "root") == 0)
        #expect(AdminPolicy.groupID(named: "no-such-group-here") == nil)
    }
}
