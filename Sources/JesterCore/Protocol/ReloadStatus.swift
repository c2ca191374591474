/// Reloads asked for and done, as `status` reports them.
///
/// A reload asked for after `status` reported `requested` is done once `finished` exceeds that
/// number; `lastError` then says whether the most recent one took effect.
public struct ReloadStatus: Sendable, Equatable {
    public var requested = 0
    public var finished = 0
    /// Why the last finished reload kept the old configuration or model, if it did.
    public var lastError: String?

    public init(requested: Int = 0, finished: Int = 0, lastError: String? = nil) {
        self.requested = requested
        self.finished = finished
        self.lastError = lastError
    }
}
