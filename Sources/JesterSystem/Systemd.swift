import CSystemd
import Glibc

/// The service manager interface: readiness notification and socket activation.
///
/// Every call is a no-op when jesterd was not started by systemd (no `NOTIFY_SOCKET`,
/// no `LISTEN_FDS`).
public enum Systemd {
    /// Sends a state string such as `READY=1` or `STATUS=...` (sd_notify(3)).
    ///
    /// - Returns: Whether a service manager received it.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// The listening sockets passed by socket activation (sd_listen_fds(3)), made close-on-exec.
    public static func listenDescriptors() -> [Int32] {
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        return (0..<count).map { SD_LISTEN_FDS_START + $0 }
    }

    /// Whether a descriptor is a listening Unix stream socket (sd_is_socket_unix(3)).
    public static func isListeningUnixStream(_ descriptor: Int32) -> Bool {
        sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0
    }
}
