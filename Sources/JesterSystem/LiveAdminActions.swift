import Dispatch
import JesterCore
import Synchronization

/// Admin verbs carried out against the live service, on the calling connection thread.
public struct LiveAdminActions: AdminActions {
    let service: LiveService
    let inbox: InboxWriter
    let logger: Logger

    public init(service: LiveService, inbox: InboxWriter, logger: Logger) {
        self.service = service
        self.inbox = inbox
        self.logger = logger
    }

    public func rate(user: Int32, joke: Int32, rating: Double) -> Reply {
        do {
            try inbox.append(user: user, joke: joke, rating: rating)
        } catch {
            logger.error("cannot append to the inbox ratings file", [("error", error.description)])
            return .error(.internalError, "cannot write \(InboxWriter.fileName): \(error)")
        }
        logger.debug("rating appended", [("user", "\(user)"), ("joke", "\(joke)")])
        return Reply(.ok, [
            ("user", .integer(Int(user))),
            ("joke", .integer(Int(joke))),
            ("rating", .decimal(InboxWriter.ratingText(rating))),
            ("file", .word(InboxWriter.fileName)),
        ])
    }

    public func retrain() -> Reply {
        let service = self.service
        return waitFor { await service.retrainNow() }
    }

    public func saveState() -> Reply {
        let service = self.service
        return waitFor {
            await service.saveState()
                ? Reply.message(.ok, "saved")
                : Reply.error(.internalError, "state not saved: no state directory, or the save failed (see the log)")
        }
    }

    /// Blocks the calling thread, never a task, until the async work is done.
    private func waitFor(_ work: @escaping @Sendable () async -> Reply) -> Reply {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Reply?>(nil)
        Task {
            let reply = await work()
            result.withLock { $0 = reply }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? .error(.internalError, "no result")
    }
}
