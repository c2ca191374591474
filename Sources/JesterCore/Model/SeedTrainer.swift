/// Settings of the notebook network's training; the defaults are the notebook's.
public struct SeedTrainingOptions: Sendable, Equatable {
    public var learningRate: Float = 0.05
    public var batchSize = 64
    public var epochs = 2
    public var patience = 2
    public var validationFraction = 0.02
    public var seed: UInt64 = 1

    public init() {}
}

/// Trains a ``SeedNetwork`` as the notebook did: plain minibatch SGD on the loss
/// 0.5 × (output − rating / 10)², the gradient averaged over each batch, batches drawn from a
/// fresh shuffle every epoch. Every gradient of a batch is taken at the parameters the batch
/// started from, as a framework computing the batch at once would.
public struct SeedTrainer: Sendable {
    public var options: SeedTrainingOptions

    public init(options: SeedTrainingOptions = SeedTrainingOptions()) {
        self.options = options
    }

    public func train(
        on ratings: RatingSet,
        progress: (EpochReport) -> Void = { _ in }
    ) -> TrainingOutcome<SeedNetwork> {
        let split = HoldoutSplit(ratings, fraction: options.validationFraction, seed: options.seed)
        var training = split.training
        var generator = SeededGenerator(seed: options.seed)
        var network = SeedNetwork(users: ratings.users.count, jokes: ratings.jokes.count, generator: &generator)

        var best = network
        var stopping = EarlyStopping(maxEpochs: options.epochs, patience: options.patience)
        var reports: [EpochReport] = []
        var epoch = 0
        while epoch < options.epochs {
            epoch += 1
            generator.shuffle(&training)
            let trainingRMSE = Self.runEpoch(
                &network,
                on: training,
                batchSize: options.batchSize,
                learningRate: options.learningRate
            )
            network.refreshOutputs()

            let validationRMSE = split.validation.isEmpty
                ? nil : rootMeanSquareError(of: network, on: split.validation)
            let report = EpochReport(epoch: epoch, trainingRMSE: trainingRMSE, validationRMSE: validationRMSE)
            reports.append(report)
            progress(report)
            if stopping.record(epoch: epoch, validationRMSE: validationRMSE) { best = network }
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

    /// One epoch of minibatch SGD over `entries` in their order; returns the training RMSE on
    /// the -10...10 scale, measured at the parameters each batch started from.
    public static func runEpoch(
        _ network: inout SeedNetwork,
        on entries: [RatingEntry],
        batchSize: Int,
        learningRate: Float
    ) -> Double {
        var squaredErrors = 0.0
        var userGradients = [(Int, SIMD8<Float>)]()
        var jokeGradients = [(Int, SIMD8<Float>)]()
        userGradients.reserveCapacity(batchSize)
        jokeGradients.reserveCapacity(batchSize)

        var batchStart = 0
        while batchStart < entries.count {
            let batchEnd = min(batchStart + batchSize, entries.count)
            let scale = 1 / Float(batchEnd - batchStart)
            var userWeightGradient = [SIMD8<Float>](repeating: SIMD8(), count: 8)
            var jokeWeightGradient = [SIMD8<Float>](repeating: SIMD8(), count: 8)
            var userBiasGradient = SIMD8<Float>()
            var jokeBiasGradient = SIMD8<Float>()
            userGradients.removeAll(keepingCapacity: true)
            jokeGradients.removeAll(keepingCapacity: true)

            for position in batchStart..<batchEnd {
                let entry = entries[position]
                let user = Int(entry.user)
                let joke = Int(entry.joke)
                let userHidden = tanh8(network.userEmbeddings[user])
                let jokeHidden = tanh8(network.jokeEmbeddings[joke])
                let userOut = tanh8(network.userLayer.affine(userHidden))
                let jokeOut = tanh8(network.jokeLayer.affine(jokeHidden))
                let output = (userOut * jokeOut).sum()
                let error = output - entry.value / SeedNetwork.ratingScale
                squaredErrors += Double(error * error)

                // d(0.5 e²)/d output = e, averaged over the batch.
                let outputGradient = SIMD8<Float>(repeating: error * scale)
                let userPre = outputGradient * jokeOut * (1 - userOut * userOut)
                let jokePre = outputGradient * userOut * (1 - jokeOut * jokeOut)
                var userHiddenGradient = SIMD8<Float>()
                var jokeHiddenGradient = SIMD8<Float>()
                for unit in 0..<8 {
                    userWeightGradient[unit] += userPre[unit] * userHidden
                    jokeWeightGradient[unit] += jokePre[unit] * jokeHidden
                    userHiddenGradient += userPre[unit] * network.userLayer.weights[unit]
                    jokeHiddenGradient += jokePre[unit] * network.jokeLayer.weights[unit]
                }
                userBiasGradient += userPre
                jokeBiasGradient += jokePre
                userGradients.append((user, userHiddenGradient * (1 - userHidden * userHidden)))
                jokeGradients.append((joke, jokeHiddenGradient * (1 - jokeHidden * jokeHidden)))
            }

            let step = SIMD8<Float>(repeating: learningRate)
            for unit in 0..<8 {
                network.userLayer.weights[unit] -= step * userWeightGradient[unit]
                network.jokeLayer.weights[unit] -= step * jokeWeightGradient[unit]
            }
            network.userLayer.bias -= step * userBiasGradient
            network.jokeLayer.bias -= step * jokeBiasGradient
            for (user, gradient) in userGradients { network.userEmbeddings[user] -= step * gradient }
            for (joke, gradient) in jokeGradients { network.jokeEmbeddings[joke] -= step * gradient }
            batchStart = batchEnd
        }
        let rmse = (squaredErrors / Double(max(1, entries.count))).squareRoot()
        return rmse * Double(SeedNetwork.ratingScale)
    }
}
