import JesterCore

extension LiveService {
    /// Serves the newest valid saved state, when there is one for the configured model.
    ///
    /// - Returns: Whether a state was restored and published.
    func restoreSavedState() -> Bool {
        guard let stateStore else { return false }
        let started = monotonicSeconds()
        let (loaded, skipped) = stateStore.loadLatest()
        for file in skipped {
            logger.warning("saved state unusable", [("file", file.name), ("reason", file.reason)])
        }
        guard let loaded else {
            logger.info("no saved state: training from the data", [("state.dir", stateStore.directory)])
            return false
        }
        let state = loaded.state
        guard state.training.kind == configuration.kind, Self.fits(state, configuration) else {
            logger.notice("saved state is of another model: training from the data", [("file", loaded.name)])
            return false
        }
        let reloaded: JokeCatalog
        do {
            reloaded = try directory.loadCatalog()
        } catch {
            logger.warning("cannot read the jokes file", [("error", error.description)])
            return false
        }

        var learner = LiveLearner(ratings: state.ratings, model: state.model,
                                  settings: FoldInSettings(configuration.factor),
                                  learnedCount: state.learnedSinceRetrain)
        for id in reloaded.ids where learner.ratings.jokes.index(of: id) == nil { learner.addJoke(id) }
        let files = state.files.map {
            TrackedFile(name: $0.name, identity: FileIdentity(device: $0.device, inode: $0.inode),
                        offset: $0.offset, nextLine: $0.nextLine, size: $0.size, prefix: $0.prefix)
        }
        self.learner = learner
        catalog = reloaded
        tailer = RatingsTailer(directory: directory.path, parser: DataDirectory.parser(for: reloaded), files: files)
        var info = state.training
        let now = monotonicSeconds()
        info.finishedAt = now - max(0, wallClockSeconds() - info.finishedAtWallClock)
        training = info
        data = state.data
        version = state.snapshotVersion
        lastSavedVersion = version + 1
        lastSavedFiles = state.files
        lastRetrainAt = now
        if state.learnedSinceRetrain > 0 { firstChangeAt = now }
        publish()
        if let snapshot = snapshots.current {
            lastAnnouncedVersion = snapshot.version
            onModel(snapshot)
        }
        logger.info("saved state restored", [
            ("file", loaded.name),
            ("model.version", "\(version)"),
            ("ratings", "\(learner.ratings.count)"),
            ("seconds", ReplyText.fixed(monotonicSeconds() - started, decimals: 3)),
        ])
        return true
    }

    /// Saves the current snapshot and file positions, off the actor; one save at a time.
    ///
    /// - Parameter onlyIfChanged: Skip the save when the served snapshot and the file positions
    ///   are those of the state last saved or restored: at a stop right after a restart, or
    ///   when another save of the same snapshot ran while this one waited. The first
    ///   training's save and an explicit `snapshot` request save regardless.
    /// - Returns: Whether a state was saved.
    @discardableResult
    public func saveState(onlyIfChanged: Bool = false) async -> Bool {
        // A save asked for while another runs waits for it, then writes what is current then.
        while saveRunning {
            await withCheckedContinuation { saveWaiters.append($0) }
        }
        guard let stateStore, let snapshot = snapshots.current else { return false }
        // While ratings wait for a full retrain to withdraw or learn them, the saved state
        // would no longer say so; the previous state, with the rescan after a restart, does.
        guard !withdrawalsPending, !bulkPending else {
            logger.debug("state not saved while a full retrain is pending")
            return false
        }
        saveRunning = true
        defer {
            saveRunning = false
            let waiters = saveWaiters
            saveWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
        let files = tailer.trackedFiles.map {
            PersistedFile(name: $0.name, device: $0.identity.device, inode: $0.identity.inode,
                          offset: $0.offset, nextLine: $0.nextLine, size: $0.size, prefix: $0.prefix)
        }
        if onlyIfChanged, snapshot.version == lastSavedVersion, files == lastSavedFiles {
            logger.debug("state unchanged since saved", [("model.version", "\(snapshot.version)")])
            return false
        }
        let started = monotonicSeconds()
        let result: Result<String, StateStoreError>
        do {
            result = try await runOnDedicatedThread {
                let bytes = PersistedState(snapshot, files: files).encoded()
                return Result { () throws(StateStoreError) in try stateStore.save(bytes) }
            }
        } catch {
            logger.error("cannot save the state: no thread", [("error", error.description)])
            return false
        }
        lastSaveAt = monotonicSeconds()
        switch result {
        case .success(let name):
            lastSavedVersion = snapshot.version
            lastSavedFiles = files
            logger.info("state saved", [
                ("file", name),
                ("model.version", "\(snapshot.version)"),
                ("seconds", ReplyText.fixed(lastSaveAt - started, decimals: 3)),
            ])
            return true
        case .failure(let error):
            logger.error("cannot save the state; the previous one stays", [("error", error.description)])
            return false
        }
    }
}

extension LiveService {
    /// Whether a saved model was trained with the settings that shape it now.
    static func fits(_ state: PersistedState, _ configuration: ModelConfiguration) -> Bool {
        switch configuration.kind {
        case .mf: state.training.dimension == configuration.factor.factors
        case .svdpp: state.training.dimension == configuration.implicitFactor.factors
        case .gaussian: (state.model as? GaussianModel)?.ridge == Float(configuration.gaussian.ridge)
        case .seed, .knn, .regression, .blend: true
        }
    }
}
