/// Settings of biased matrix factorisation training.
public struct FactorTrainingOptions: Sendable, Equatable {
    /// Dimension of the user and joke vectors.
    public var factors = 64
    /// SGD step size at the first epoch.
    public var learningRate: Float = 0.02
    /// Factor by which the step size shrinks after every epoch.
    public var learningRateDecay: Float = 0.9
    /// L2 penalty on the factor vectors.
    public var regularization: Float = 0.3
    /// L2 penalty on the biases.
    public var biasRegularization: Float = 0.02
    /// Upper bound on epochs; early stopping usually ends training sooner.
    public var maxEpochs = 40
    /// Epochs without validation gain before training stops.
    public var patience = 2
    /// Share of the ratings held out as the validation slice.
    public var validationFraction = 0.02
    /// Half-width of the uniform distribution the factors start from.
    public var initScale: Float = 0.1
    public var seed: UInt64 = 1

    public init() {}
}

/// Trains a ``FactorModel`` by SGD, one rating at a time.
///
/// With up to 8 factors, the ratings are shuffled once and every epoch visits blocks of
/// ``blockSize`` of them in a fresh random order: as good a random order for SGD as a full
/// reshuffle, and it reads the ratings sequentially. With more factors the user vectors no
/// longer fit in cache, so every epoch visits the users in a fresh random order, each user's
/// ratings together: a user's vector is then loaded once per epoch instead of once per rating,
/// which made epochs at 32 factors four times faster here at the same validation error.
public struct FactorTrainer: Sendable {
    public var options: FactorTrainingOptions
    public static let blockSize = 2048

    public init(options: FactorTrainingOptions = FactorTrainingOptions()) {
        self.options = options
    }

    /// Trains on a rating set, keeping the parameters of the best validation epoch.
    ///
    /// - Parameter progress: Called after every epoch, on the calling thread.
    public func train(
        on ratings: RatingSet,
        progress: (EpochReport) -> Void = { _ in }
    ) -> TrainingOutcome<FactorModel> {
        let split = HoldoutSplit(ratings, fraction: options.validationFraction, seed: options.seed)
        var training = split.training
        var generator = SeededGenerator(seed: options.seed)
        let mean = training.isEmpty ? 0 : training.reduce(0.0) { $0 + Double($1.value) } / Double(training.count)
        var model = FactorModel(
            users: ratings.users.count,
            jokes: ratings.jokes.count,
            factors: options.factors,
            globalMean: Float(mean),
            initScale: options.initScale,
            generator: &generator
        )

        var best = model
        var stopping = EarlyStopping(maxEpochs: options.maxEpochs, patience: options.patience)
        var reports: [EpochReport] = []
        var learningRate = options.learningRate
        var blocks = Self.visitingOrder(&training, factors: options.factors, generator: &generator)
        var epoch = 0
        while epoch < options.maxEpochs {
            epoch += 1
            generator.shuffle(&blocks)
            let trainingRMSE = Self.runEpoch(
                &model,
                on: training,
                segments: blocks,
                learningRate: learningRate,
                regularization: options.regularization,
                biasRegularization: options.biasRegularization
            )
            learningRate *= options.learningRateDecay

            let validationRMSE = split.validation.isEmpty
                ? nil : rootMeanSquareError(of: model, on: split.validation)
            let report = EpochReport(epoch: epoch, trainingRMSE: trainingRMSE, validationRMSE: validationRMSE)
            reports.append(report)
            progress(report)
            if stopping.record(epoch: epoch, validationRMSE: validationRMSE) { best = model }
            if stopping.shouldStop(after: epoch) || !trainingRMSE.isFinite { break }
        }

        return TrainingOutcome(
            model: best,
            epochs: reports,
            bestEpoch: stopping.bestEpoch,
            validationRMSE: stopping.bestRMSE.isFinite ? stopping.bestRMSE : nil,
            trainingCount: training.count,
            validationCount: split.validation.count
        )
    }

    /// The segments an epoch visits, in an order to shuffle before every epoch: blocks of a
    /// once-shuffled `training` up to 8 factors, each user's run of ratings above.
    public static func visitingOrder(
        _ training: inout [RatingEntry],
        factors: Int,
        generator: inout SeededGenerator
    ) -> [Range<Int>] {
        guard factors <= 8 else { return userRuns(training) }
        generator.shuffle(&training)
        return stride(from: 0, to: training.count, by: blockSize).map {
            $0..<min($0 + blockSize, training.count)
        }
    }

    /// The ranges of consecutive entries of the same user.
    static func userRuns(_ entries: [RatingEntry]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        for index in entries.indices.dropFirst() where entries[index].user != entries[index - 1].user {
            runs.append(start..<index)
            start = index
        }
        if start < entries.count { runs.append(start..<entries.count) }
        return runs
    }

    /// One pass of SGD over `entries` in their order; returns the RMSE of the errors seen.
    public static func runEpoch(
        _ model: inout FactorModel,
        on entries: [RatingEntry],
        learningRate: Float,
        regularization: Float,
        biasRegularization: Float
    ) -> Double {
        runEpoch(&model, on: entries, segments: [0..<entries.count], learningRate: learningRate,
                 regularization: regularization, biasRegularization: biasRegularization)
    }

    /// One pass of SGD over the given segments of `entries`, in the order of `segments`.
    public static func runEpoch(
        _ model: inout FactorModel,
        on entries: [RatingEntry],
        segments: [Range<Int>],
        learningRate: Float,
        regularization: Float,
        biasRegularization: Float
    ) -> Double {
        let chunks = model.chunks
        let mean = model.globalMean
        var squaredErrors = 0.0
        entries.withUnsafeBufferPointer { entries in
            model.userBias.withUnsafeMutableBufferPointer { userBias in
            model.jokeBias.withUnsafeMutableBufferPointer { jokeBias in
            model.userFactors.withUnsafeMutableBufferPointer { users in
            model.jokeFactors.withUnsafeMutableBufferPointer { jokes in
                var blockErrors: Float = 0
                for segment in segments {
                for position in segment {
                    let entry = entries[position]
                    let user = Int(entry.user)
                    let joke = Int(entry.joke)
                    let userBase = user * chunks
                    let jokeBase = joke * chunks
                    var dot = SIMD8<Float>()
                    for chunk in 0..<chunks {
                        dot += users[userBase + chunk] * jokes[jokeBase + chunk]
                    }
                    let error = entry.value - (mean + userBias[user] + jokeBias[joke] + dot.sum())
                    blockErrors += error * error
                    userBias[user] += learningRate * (error - biasRegularization * userBias[user])
                    jokeBias[joke] += learningRate * (error - biasRegularization * jokeBias[joke])
                    let step = SIMD8<Float>(repeating: learningRate)
                    let gain = SIMD8<Float>(repeating: error)
                    let decay = SIMD8<Float>(repeating: regularization)
                    for chunk in 0..<chunks {
                        let userVector = users[userBase + chunk]
                        let jokeVector = jokes[jokeBase + chunk]
                        users[userBase + chunk] = userVector + step * (gain * jokeVector - decay * userVector)
                        jokes[jokeBase + chunk] = jokeVector + step * (gain * userVector - decay * jokeVector)
                    }
                    // Float sums drift over millions of terms; fold them into a Double often.
                    if position & 1023 == 1023 {
                        squaredErrors += Double(blockErrors)
                        blockErrors = 0
                    }
                }
                }
                squaredErrors += Double(blockErrors)
            }
            }
            }
            }
        }
        return entries.isEmpty ? .nan : (squaredErrors / Double(entries.count)).squareRoot()
    }
}
