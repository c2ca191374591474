import JesterCore

/// When jesterd retrains in full and saves its state.
public struct LiveSettings: Sendable {
    /// A full retrain starts once this share of the ratings was learned one by one...
    public var retrainFraction = 0.05
    /// ...or this many seconds after the first rating learned since the last retrain.
    public var retrainInterval = 3600.0
    /// Ratings that vanished (a file deleted, truncated or replaced) start a retrain, but not
    /// sooner than this many seconds after the previous one.
    public var minimumRetrainGap = 5.0
    /// A retrained model whose validation RMSE exceeds the current one's by more than this
    /// share is rejected and the current model kept.
    public var rejectionTolerance = 0.05
    /// The state is saved at most this often while something changes.
    public var saveInterval = 60.0
    /// Every ratings file is checked this often even without inotify events.
    public var rescanInterval = 30.0

    public init() {}
}

/// Why the live service could not start.
public enum LiveServiceError: Error, CustomStringConvertible, Sendable {
    case data(DataDirectoryError)
    case training(String)

    public var description: String {
        switch self {
        case .data(let error): error.description
        case .training(let reason): reason
        }
    }
}

/// Owns the live model: learns new ratings as files grow, retrains in full in the background,
/// swaps results in whole, and saves and restores the state.
///
/// Every change ends in ``publish()``, which hands connection threads a new immutable snapshot.
public actor LiveService {
    public nonisolated let snapshots: SnapshotBox
    let directory: DataDirectory
    let stateStore: StateStore?
    let logger: Logger
    var configuration: ModelConfiguration
    var settings: LiveSettings
    /// Called on the training thread after every epoch, as a sign of progress.
    let onEpoch: @Sendable () -> Void
    /// Called after every full training swapped in, with the new snapshot.
    let onModel: @Sendable (ModelSnapshot) -> Void

    var learner: LiveLearner?
    var tailer: RatingsTailer
    var catalog = JokeCatalog()
    var retired = JokeIDSet([])
    var training: TrainingInfo?
    var data = DataInfo(files: 0, linesRead: 0, rejections: RejectionTally())
    var version = 0
    var withdrawalsPending = false
    var firstChangeAt: Double?
    var lastRetrainAt = 0.0
    var retrainRunning = false
    var rejectedRetrains = 0
    var lastRejection: String?
    var lastRescanAt = 0.0
    var lastSavedVersion = 0
    /// While set, ``publish()`` does nothing: a new model is being caught up before it is shown.
    var publicationHeld = false
    /// Rejected lines already logged with their file and line, so a full retrain, which
    /// reads them again, does not list them again.
    var loggedRejections: Set<RejectedLine> = []
    /// The file positions of the state last saved or restored.
    var lastSavedFiles: [PersistedFile]?
    var lastSaveAt = 0.0
    var saveRunning = false
    var retrainWaiters: [CheckedContinuation<Reply, Never>] = []
    var lastAnnouncedVersion = 0
    var bulkPending = false
    var rejectedAt: Double?
    var failedAt: Double?
    var saveWaiters: [CheckedContinuation<Void, Never>] = []

    public init(
        directory: DataDirectory,
        stateDirectory: String?,
        configuration: ModelConfiguration,
        settings: LiveSettings,
        snapshots: SnapshotBox,
        logger: Logger,
        onEpoch: @escaping @Sendable () -> Void = {},
        onModel: @escaping @Sendable (ModelSnapshot) -> Void = { _ in }
    ) {
        self.onEpoch = onEpoch
        self.onModel = onModel
        self.directory = directory
        self.stateStore = stateDirectory.map(StateStore.init(directory:))
        self.configuration = configuration
        self.settings = settings
        self.snapshots = snapshots
        self.logger = logger
        self.tailer = RatingsTailer(directory: directory.path, parser: RatingsParser())
    }

    /// Serves a first model: the saved state when there is a usable one, else a full training.
    public func start() async throws(LiveServiceError) {
        retired = directory.loadRetired()
        if retired.count > 0 {
            logger.info("retired jokes read", [
                ("file", DataDirectory.retiredFileName), ("ids", "\(retired.count)"),
            ])
        }
        if restoreSavedState() {
            catchUp(reason: "since the saved state")
            return
        }
        snapshots.setPhase("training")
        guard let (loaded, outcome) = await loadAndTrainOnThread() else {
            throw .training("cannot load the data directory")
        }
        guard case .success(let trained) = outcome else {
            if case .failure(let reason) = outcome { throw .training(reason) }
            return
        }
        install(loaded, trained) { catchUp(reason: "during the first training") }
        await saveState()
    }

    /// Applies a reloaded configuration and retrains in full on a fresh read of the data
    /// directory, so that ratings gone from the files are withdrawn too.
    ///
    /// - Returns: Why the reload failed, or `nil`.
    public func reload(configuration next: ModelConfiguration, settings nextSettings: LiveSettings) async -> String? {
        let previous = (configuration, settings)
        settings = nextSettings
        configuration = next
        reloadCatalog()
        // A retrain already running read the old settings: let it finish, then run one more.
        if retrainRunning { _ = await retrainNow() }
        let reply = await retrainNow()
        guard reply.code.isSuccess else {
            (configuration, settings) = previous
            return reply.message ?? "retrain failed"
        }
        return nil
    }

    /// Reacts to a directory event.
    public func handle(_ event: WatchEvent) async {
        switch event {
        case .changed(let name) where name == DataDirectory.jokesFileName:
            reloadCatalog()
        case .changed(let name) where name == DataDirectory.retiredFileName,
             .removed(let name) where name == DataDirectory.retiredFileName:
            let listed = directory.loadRetired()
            // One write can bring several events; only a changed list is news.
            guard listed != retired else { return }
            retired = listed
            logger.info("retired jokes read", [
                ("file", DataDirectory.retiredFileName), ("ids", "\(retired.count)"),
            ])
            publish()
        case .changed(let name), .removed(let name):
            guard learner != nil, DataDirectory.isRatingsFileName(name) else { return }
            var report = TailReport()
            let pendingBefore = tailer.pendingBytes
            tailer.poll(name, into: &report)
            learn(report, pendingChanged: tailer.pendingBytes != pendingBefore)
        case .overflow:
            logger.warning("inotify queue overflowed: rescanning the data directory")
            catchUp(reason: "after an event queue overflow")
        case .directoryLost:
            logger.warning("data directory removed or replaced; watching for it to return",
                           [("data.dir", directory.path)])
        case .watchFailed(let error):
            logger.error("the data directory is no longer watched; only rescans learn new ratings",
                         [("error", error.description), ("rescan.seconds", "\(settings.rescanInterval)")])
        case .directoryReturned:
            logger.warning("data directory is back: rescanning", [("data.dir", directory.path)])
            reloadCatalog()
            catchUp(reason: "after the directory returned")
        }
        maybeRetrain(now: monotonicSeconds())
    }

    /// Periodic work: a safety rescan, time-based retrains and state saves.
    public func tick() async {
        let now = monotonicSeconds()
        if now - lastRescanAt >= settings.rescanInterval {
            catchUp(reason: nil)
        }
        maybeRetrain(now: now)
        if version != lastAnnouncedVersion, let snapshot = snapshots.current {
            lastAnnouncedVersion = version
            onModel(snapshot)
        }
        if version != lastSavedVersion, now - lastSaveAt >= settings.saveInterval {
            await saveState(onlyIfChanged: true)
        }
    }

    /// Reads every ratings file to its end and learns what is new.
    func catchUp(reason: String?) {
        guard learner != nil else { return }
        lastRescanAt = monotonicSeconds()
        var report = TailReport()
        do {
            try tailer.rescan(into: &report)
        } catch {
            logger.warning("cannot rescan the data directory", [("error", error.description)])
            return
        }
        if let reason, report.columns.count > 0 {
            logger.info("ratings learned " + reason, [("ratings", "\(report.columns.count)")])
        }
        learn(report)
    }

    /// Folds everything a read found into the live model and publishes the result.
    ///
    /// - Parameter pendingChanged: Whether the bytes waiting for a newline changed, which
    ///   `status` shows, so a snapshot is published even when nothing was learned.
    func learn(_ report: TailReport, pendingChanged: Bool = false) {
        guard var learner else { return }
        for failure in report.failures {
            logger.warning("cannot read a ratings file", [("file", failure.name), ("error", failure.error.description)])
        }
        // A catch-up after a retrain can read again lines the old tailer already logged.
        logRejections(report.rejections, logger: logger, alreadyLogged: loggedRejections)
        remember(report.rejections.samples)
        data.rejections.merge(report.rejections)
        data.linesRead += report.linesRead

        // A bulk of new ratings, such as a large file dropped in, is stored without re-solving
        // anyone and learned by a full retrain started at once.
        let columns = report.columns
        let bulk = columns.count >= bulkThreshold(learner)
        for index in 0..<columns.count {
            learner.learn(userID: columns.users[index], jokeID: columns.jokes[index],
                          value: columns.values[index], solving: !bulk)
        }
        self.learner = learner
        if bulk {
            logger.info("many new ratings at once: a full retrain learns them", [("ratings", "\(columns.count)")])
            bulkPending = true
        }
        if !report.withdrawn.isEmpty {
            withdrawalsPending = true
            logger.notice("ratings files gone or rewritten; their old ratings go at the next full retrain",
                          [("files", report.withdrawn.joined(separator: ","))])
        }
        for name in report.added { logger.info("ratings file added", [("file", name)]) }
        let changed = columns.count > 0 || !report.withdrawn.isEmpty || !report.added.isEmpty
        if columns.count > 0 || !report.withdrawn.isEmpty, firstChangeAt == nil {
            firstChangeAt = monotonicSeconds()
        }
        if changed || pendingChanged || report.rejections.total > 0 { publish() }
        if columns.count > 0 {
            logger.debug("ratings learned", [("ratings", "\(columns.count)"), ("model.version", "\(version)")])
        }
    }

    /// New ratings in one read from which on they are stored and left to a full retrain.
    func bulkThreshold(_ learner: LiveLearner) -> Int {
        max(500, min(10_000, Int(settings.retrainFraction * Double(learner.ratings.count))))
    }

    /// Rereads the jokes file; new jokes get an index and become servable.
    func reloadCatalog() {
        let reloaded: JokeCatalog
        do {
            reloaded = try directory.loadCatalog()
        } catch {
            logger.warning("cannot reload the jokes file", [("error", error.description)])
            return
        }
        guard reloaded != catalog else { return }
        catalog = reloaded
        tailer.parser = DataDirectory.parser(for: reloaded)
        if var learner {
            for id in reloaded.ids where learner.ratings.jokes.index(of: id) == nil { learner.addJoke(id) }
            self.learner = learner
        }
        logger.info("jokes file reloaded", [("jokes.texts", "\(reloaded.count)")])
        publish()
    }

    /// Publishes the learner's current state as a new snapshot.
    func publish() {
        guard !publicationHeld, let learner, let training else { return }
        version += 1
        let files = tailer.trackedFiles.map { FileProgress(name: $0.name, offset: $0.offset, size: $0.size) }
        let live = LiveInfo(
            learnedSinceRetrain: learner.learnedCount,
            files: files,
            rejectedRetrains: rejectedRetrains,
            lastRejection: lastRejection
        )
        var info = data
        info.files = files.count
        let snapshot = ModelSnapshot(version: version, learner: learner, catalog: catalog, training: training,
                                     data: info, live: live, retired: retired)
        snapshots.publish(snapshot)
        snapshots.setPhase("ready")
    }
}

/// Logs what a load read, and its rejected lines but those in `alreadyLogged`.
func logLoaded(_ loaded: LoadedData, logger: Logger, alreadyLogged: Set<RejectedLine> = []) {
    logger.info("data loaded", [
        ("files", "\(loaded.info.files)"),
        ("lines", "\(loaded.info.linesRead)"),
        ("ratings", "\(loaded.ratings.count)"),
        ("users", "\(loaded.ratings.users.count)"),
        ("jokes", "\(loaded.ratings.jokes.count)"),
        ("jokes.texts", "\(loaded.catalog.count)"),
    ])
    logRejections(loaded.info.rejections, logger: logger, alreadyLogged: alreadyLogged)
}

/// Logs each sampled rejected line with its file and line number, then one summary.
///
/// Lines in `alreadyLogged`, such as those a full retrain reads again, are not listed again;
/// when no line is new, the summary is logged at info rather than as a warning.
func logRejections(_ rejections: RejectionTally, logger: Logger,
                   alreadyLogged: Set<RejectedLine> = []) {
    guard rejections.total > 0 else { return }
    let fresh = rejections.samples.filter { !alreadyLogged.contains($0) }
    for sample in fresh {
        logger.warning("ratings line skipped", [
            ("file", sample.file),
            ("line", "\(sample.line)"),
            ("reason", sample.reason.name),
        ])
    }
    var fields: [LogField] = [("rejected", "\(rejections.total)")]
    for (reason, count) in rejections.nonZeroCounts {
        fields.append(("rejected.\(reason.name)", "\(count)"))
    }
    guard !fresh.isEmpty else {
        logger.info("ratings lines skipped, as logged before", fields)
        return
    }
    let message = rejections.total > rejections.samples.count
        ? "ratings lines skipped (only the first \(rejections.samples.count) are listed)"
        : "ratings lines skipped"
    logger.warning(message, fields)
}
