/// Settings of SVD++ training.
public struct ImplicitFactorTrainingOptions: Sendable, Equatable {
    public var factors = 32
    public var learningRate: Float = 0.005
    public var learningRateDecay: Float = 0.92
    /// L2 penalty on the free user vectors and the joke vectors.
    public var regularization: Float = 0.2
    /// L2 penalty on the implicit joke vectors, applied once per user visit.
    public var implicitRegularization: Float = 0.3
    public var biasRegularization: Float = 0.02
    public var maxEpochs = 30
    public var patience = 2
    public var validationFraction = 0.02
    public var initScale: Float = 0.1
    public var seed: UInt64 = 1

    public init() {}
}

/// Trains an ``ImplicitFactorModel`` by SGD, one user at a time.
///
/// Each epoch visits the users in a fresh random order and each user's ratings in an order
/// shuffled once. The implicit part of the user's vector is computed when the visit starts
/// and held fixed through it; its gradient is summed over the visit and applied to the
/// implicit vectors of the user's jokes at the end, which costs one pass over them per user
/// instead of one per rating. Single-threaded, so a seed fixes the model bit for bit.
public struct ImplicitFactorTrainer: Sendable {
    public var options: ImplicitFactorTrainingOptions

    public init(options: ImplicitFactorTrainingOptions = ImplicitFactorTrainingOptions()) {
        self.options = options
    }

    public func train(
        on ratings: RatingSet,
        progress: (EpochReport) -> Void = { _ in }
    ) -> TrainingOutcome<ImplicitFactorModel> {
        let split = HoldoutSplit(ratings, fraction: options.validationFraction, seed: options.seed)
        var generator = SeededGenerator(seed: options.seed)
        var training = split.training
        let starts = Self.userStarts(training, users: ratings.users.count)
        for user in 0..<ratings.users.count {
            var run = Array(training[Int(starts[user])..<Int(starts[user + 1])])
            generator.shuffle(&run)
            for (offset, entry) in run.enumerated() { training[Int(starts[user]) + offset] = entry }
        }
        let mean = training.isEmpty
            ? 0 : training.reduce(0.0) { $0 + Double($1.value) } / Double(training.count)
        var state = State(
            model: FactorModel(
                users: ratings.users.count,
                jokes: ratings.jokes.count,
                factors: options.factors,
                globalMean: Float(mean),
                initScale: options.initScale,
                generator: &generator
            )
        )

        var best = state.snapshot(training, starts: starts)
        var stopping = EarlyStopping(maxEpochs: options.maxEpochs, patience: options.patience)
        var reports: [EpochReport] = []
        var learningRate = options.learningRate
        var order = Array(0..<Int32(ratings.users.count))
        var epoch = 0
        while epoch < options.maxEpochs {
            epoch += 1
            generator.shuffle(&order)
            let trainingRMSE = state.runEpoch(training, starts: starts, order: order,
                                              learningRate: learningRate, options: options)
            learningRate *= options.learningRateDecay

            let model = state.snapshot(training, starts: starts)
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

    /// `starts[u] ..< starts[u + 1]` are user `u`'s entries in entries grouped by user.
    static func userStarts(_ entries: [RatingEntry], users: Int) -> [Int32] {
        var starts = [Int32](repeating: 0, count: users + 1)
        for entry in entries { starts[Int(entry.user) + 1] += 1 }
        for user in 0..<users { starts[user + 1] += starts[user] }
        return starts
    }

    /// The parameters in training: `model.userFactors` holds the free parts `p_u`.
    private struct State {
        var model: FactorModel
        var implicit: [SIMD8<Float>]

        init(model: FactorModel) {
            self.model = model
            implicit = [SIMD8<Float>](repeating: SIMD8(), count: model.jokeFactors.count)
        }

        /// The model to serve: free and implicit parts added.
        func snapshot(_ entries: [RatingEntry], starts: [Int32]) -> ImplicitFactorModel {
            var served = model
            let chunks = model.chunks
            for user in 0..<model.userCount {
                let range = Int(starts[user])..<Int(starts[user + 1])
                guard !range.isEmpty else { continue }
                let scale = SIMD8<Float>(repeating: 1 / Float(range.count).squareRoot())
                for chunk in 0..<chunks {
                    var sum = SIMD8<Float>()
                    for position in range { sum += implicit[Int(entries[position].joke) * chunks + chunk] }
                    served.userFactors[user * chunks + chunk] += scale * sum
                }
            }
            return ImplicitFactorModel(factors: served, implicitFactors: implicit)
        }

        mutating func runEpoch(
            _ entries: [RatingEntry],
            starts: [Int32],
            order: [Int32],
            learningRate: Float,
            options: ImplicitFactorTrainingOptions
        ) -> Double {
            let chunks = model.chunks
            let mean = model.globalMean
            let step = SIMD8<Float>(repeating: learningRate)
            let decay = SIMD8<Float>(repeating: options.regularization)
            let implicitDecay = SIMD8<Float>(repeating: options.implicitRegularization)
            let biasDecay = options.biasRegularization
            var squaredErrors = 0.0
            var implicitSum = [SIMD8<Float>](repeating: SIMD8(), count: chunks)
            var implicitGradient = [SIMD8<Float>](repeating: SIMD8(), count: chunks)
            entries.withUnsafeBufferPointer { entries in
            model.userBias.withUnsafeMutableBufferPointer { userBias in
            model.jokeBias.withUnsafeMutableBufferPointer { jokeBias in
            model.userFactors.withUnsafeMutableBufferPointer { users in
            model.jokeFactors.withUnsafeMutableBufferPointer { jokes in
            implicit.withUnsafeMutableBufferPointer { implicit in
            implicitSum.withUnsafeMutableBufferPointer { implicitSum in
            implicitGradient.withUnsafeMutableBufferPointer { implicitGradient in
                for user in order {
                    let user = Int(user)
                    let range = Int(starts[user])..<Int(starts[user + 1])
                    guard !range.isEmpty else { continue }
                    let scale = 1 / Float(range.count).squareRoot()
                    for chunk in 0..<chunks {
                        var sum = SIMD8<Float>()
                        for position in range { sum += implicit[Int(entries[position].joke) * chunks + chunk] }
                        implicitSum[chunk] = sum * scale
                        implicitGradient[chunk] = SIMD8()
                    }

                    let userBase = user * chunks
                    var userErrors: Float = 0
                    for position in range {
                        let entry = entries[position]
                        let joke = Int(entry.joke)
                        let jokeBase = joke * chunks
                        var dot = SIMD8<Float>()
                        for chunk in 0..<chunks {
                            dot += (users[userBase + chunk] + implicitSum[chunk]) * jokes[jokeBase + chunk]
                        }
                        let error = entry.value - (mean + userBias[user] + jokeBias[joke] + dot.sum())
                        userErrors += error * error
                        userBias[user] += learningRate * (error - biasDecay * userBias[user])
                        jokeBias[joke] += learningRate * (error - biasDecay * jokeBias[joke])
                        let gain = SIMD8<Float>(repeating: error)
                        for chunk in 0..<chunks {
                            let free = users[userBase + chunk]
                            let jokeVector = jokes[jokeBase + chunk]
                            users[userBase + chunk] = free + step * (gain * jokeVector - decay * free)
                            jokes[jokeBase + chunk] = jokeVector
                                + step * (gain * (free + implicitSum[chunk]) - decay * jokeVector)
                            implicitGradient[chunk] += gain * jokeVector
                        }
                    }
                    squaredErrors += Double(userErrors)

                    let implicitScale = SIMD8<Float>(repeating: scale)
                    for position in range {
                        let jokeBase = Int(entries[position].joke) * chunks
                        for chunk in 0..<chunks {
                            let vector = implicit[jokeBase + chunk]
                            implicit[jokeBase + chunk] = vector
                                + step * (implicitScale * implicitGradient[chunk] - implicitDecay * vector)
                        }
                    }
                }
            }
            }
            }
            }
            }
            }
            }
            }
            return entries.isEmpty ? .nan : (squaredErrors / Double(entries.count)).squareRoot()
        }
    }
}
