import JesterCore

/// A model trained off the actor, or why not.
enum TrainingResult: Sendable {
    case success(TrainedRun)
    case failure(String)
}

/// A finished training run and what it took.
struct TrainedRun: Sendable {
    var model: TrainedModel
    var info: TrainingInfo
}

extension LiveService {
    /// Loads the data directory and trains on it, on a thread of its own, logging every epoch.
    func loadAndTrainOnThread() async -> (LoadedData, TrainingResult)? {
        let directory = self.directory
        let configuration = self.configuration
        let logger = self.logger
        let onEpoch = self.onEpoch
        let alreadyLogged = loggedRejections
        let outcome: (LoadedData, TrainingResult)?
        do {
            outcome = try await runOnDedicatedThread {
                let loaded: LoadedData
                do {
                    loaded = try directory.load()
                } catch {
                    logger.error("cannot load the data directory", [("error", "\(error)")])
                    return nil
                }
                logLoaded(loaded, logger: logger, alreadyLogged: alreadyLogged)
                onEpoch()
                return (loaded, Self.train(loaded, configuration: configuration, logger: logger, onEpoch: onEpoch))
            }
        } catch {
            logger.error("cannot start the training thread", [("error", "\(error)")])
            return nil
        }
        if let loaded = outcome?.0 { remember(loaded.info.rejections.samples) }
        return outcome
    }

    /// Notes rejected lines as logged; past 10 000 of them the record starts afresh, so at
    /// worst a line is listed once more.
    func remember(_ samples: [RejectedLine]) {
        if loggedRejections.count + samples.count > 10_000 { loggedRejections.removeAll() }
        loggedRejections.formUnion(samples)
    }

    /// Trains on loaded data on the calling thread, logging every epoch.
    nonisolated static func train(_ loaded: LoadedData, configuration: ModelConfiguration,
                                  logger: Logger, onEpoch: @Sendable () -> Void = {}) -> TrainingResult {
        logger.info("training started", [
            ("model.kind", configuration.kind.rawValue),
            ("ratings", "\(loaded.ratings.count)"),
        ])
        let started = monotonicSeconds()
        let trained = configuration.train(on: loaded.ratings) { report in
            var fields: [LogField] = [
                ("epoch", "\(report.epoch)"),
                ("train.rmse", ReplyText.fixed(report.trainingRMSE, decimals: 4)),
            ]
            if let rmse = report.validationRMSE {
                fields.append(("validation.rmse", ReplyText.fixed(rmse, decimals: 4)))
            }
            logger.info("epoch finished", fields)
            onEpoch()
        }
        guard trained.isFinite else {
            return .failure("training produced parameters that are not finite")
        }
        let finished = monotonicSeconds()
        let info = TrainingInfo(
            kind: configuration.kind,
            dimension: trained.dimension,
            epochs: trained.epochs.count,
            bestEpoch: trained.bestEpoch,
            validationRMSE: trained.validationRMSE,
            trainingCount: trained.trainingCount,
            validationCount: trained.validationCount,
            seconds: finished - started,
            finishedAt: finished,
            finishedAtWallClock: wallClockSeconds()
        )
        return .success(TrainedRun(model: trained, info: info))
    }

    /// Makes a full training the live model, reading from the positions its data was read at,
    /// learns what `catchUp` finds written since, and only then publishes it: a snapshot of
    /// the new model without the ratings that arrived while it trained would, for a moment,
    /// answer as if they had never been learned.
    func install(_ loaded: LoadedData, _ run: TrainedRun, catchUp: () -> Void) {
        publicationHeld = true
        do {
            defer { publicationHeld = false }
            adopt(loaded, run)
            catchUp()
        }
        publish()
        var fields: [LogField] = [
            ("model.version", "\(version)"),
            ("model.kind", run.info.kind.rawValue),
            ("training.seconds", ReplyText.fixed(run.info.seconds, decimals: 3)),
            ("training.epochs", "\(run.info.epochs)"),
        ]
        if let rmse = run.info.validationRMSE {
            fields.append(("validation.rmse", ReplyText.fixed(rmse, decimals: 4)))
        }
        logger.info("model published", fields)
        if let snapshot = snapshots.current {
            lastAnnouncedVersion = snapshot.version
            onModel(snapshot)
        }
    }

    private func adopt(_ loaded: LoadedData, _ run: TrainedRun) {
        learner = LiveLearner(ratings: loaded.ratings, model: run.model.model,
                              settings: FoldInSettings(configuration.factor))
        tailer = RatingsTailer(
            directory: directory.path, parser: DataDirectory.parser(for: loaded.catalog),
            files: loaded.files)
        catalog = loaded.catalog
        training = run.info
        data = loaded.info
        withdrawalsPending = false
        bulkPending = false
        rejectedAt = nil
        failedAt = nil
        firstChangeAt = nil
        lastRetrainAt = monotonicSeconds()
    }

    /// Starts a background retrain when enough has changed.
    func maybeRetrain(now: Double) {
        guard let learner, !retrainRunning else { return }
        // After a rejection the same retrain would most likely be rejected again: wait.
        if let rejectedAt, now - rejectedAt < max(settings.minimumRetrainGap, settings.retrainInterval) { return }
        if let failedAt, now - failedAt < settings.minimumRetrainGap { return }
        let learned = Double(learner.learnedCount)
        let dueByShare = learned > 0 && learned >= settings.retrainFraction * Double(max(1, learner.ratings.count))
        let dueByTime = firstChangeAt.map { now - $0 >= settings.retrainInterval } ?? false
        let dueByWithdrawal = withdrawalsPending && now - lastRetrainAt >= settings.minimumRetrainGap
        guard dueByShare || dueByTime || dueByWithdrawal || bulkPending else { return }
        let reason = bulkPending ? "many new ratings at once"
            : dueByWithdrawal ? "ratings withdrawn" : dueByShare ? "share of new ratings" : "time"
        startRetrain(reason: reason)
    }

    /// Retrains now and answers once the result is in (the admin verb `retrain`).
    public func retrainNow() async -> Reply {
        guard learner != nil else {
            return .error(.notReady, "the first training is still running")
        }
        return await withCheckedContinuation { continuation in
            retrainWaiters.append(continuation)
            if !retrainRunning { startRetrain(reason: "requested") }
        }
    }

    func startRetrain(reason: String) {
        retrainRunning = true
        lastRetrainAt = monotonicSeconds()
        logger.info("full retrain started", [("reason", reason)])
        Task {
            finishRetrain(await loadAndTrainOnThread())
        }
    }

    func finishRetrain(_ outcome: (LoadedData, TrainingResult)?) {
        retrainRunning = false
        var reply = Reply.error(.internalError, "retrain failed; the current model stays")
        defer {
            for waiter in retrainWaiters { waiter.resume(returning: reply) }
            retrainWaiters.removeAll()
        }
        guard let (loaded, result) = outcome else {
            failedAt = monotonicSeconds()
            return
        }
        guard case .success(let run) = result else {
            if case .failure(let why) = result { reject(why) }
            return
        }
        if let current = training?.validationRMSE, let candidate = run.info.validationRMSE,
           candidate > current * (1 + settings.rejectionTolerance) {
            reject("validation RMSE \(ReplyText.fixed(candidate, decimals: 4)) is worse than "
                   + "\(ReplyText.fixed(current, decimals: 4))")
            reply = .error(.internalError, "retrained model rejected: \(lastRejection ?? "")")
            return
        }
        install(loaded, run) {
            // The jokes file may have changed while the retrain ran; its new jokes must stay.
            reloadCatalog()
            catchUp(reason: "during the retrain")
        }
        reply = Reply(.ok, [("model.version", .integer(version))])
        Task { await saveState(onlyIfChanged: true) }
    }

    private func reject(_ why: String) {
        rejectedAt = monotonicSeconds()
        rejectedRetrains += 1
        lastRejection = why
        logger.error("retrained model rejected; keeping the current one", [("reason", why)])
        publish()
    }
}
