import JesterCore

/// Timed epochs of one model on one data set.
struct EpochMeasurement {
    /// The data set's name.
    let dataset: String
    /// `mf k=8`, `mf k=32` or `seed`.
    let model: String
    /// Seconds of each epoch's pass over the training ratings, shuffle excluded.
    let epochs: Samples
    /// Seconds of the shuffle before each epoch: of the block order for mf, of every rating for
    /// the seed network.
    let shuffles: Samples
    /// Seconds of the one full shuffle before the first epoch, when the trainer does one.
    let firstShuffle: Double?
    /// The training RMSE the last timed epoch reported, to show the work was real.
    let lastTrainingRMSE: Double
    /// Ratings in the training part of the holdout split: the ratings one epoch visits.
    let trainingCount: Int
    /// The share of vector parameters that are subnormal after the last epoch. Arithmetic on
    /// subnormal floats is many times slower on x86, so a high share explains slow epochs.
    let subnormalShare: Double
}

/// One full training run with the default options.
struct FullTrainingMeasurement {
    /// The data set's name.
    let dataset: String
    /// The model trained.
    let kind: ModelKind
    /// Wall time of the whole training.
    let seconds: Double
    /// Wall time between epoch reports: shuffle, pass and validation together.
    let epochWallTimes: Samples
    /// The model kept and its history.
    let trained: TrainedModel

    /// The share of the kept model's vector lanes that are subnormal.
    var subnormalShare: Double {
        if let factors = trained.model as? FactorModel {
            return TrainingBench.subnormalShare(of: [factors.userFactors, factors.jokeFactors])
        }
        if let network = trained.model as? SeedNetwork {
            let tables = [network.userEmbeddings, network.jokeEmbeddings]
            return TrainingBench.subnormalShare(of: tables)
        }
        return .nan
    }
}

/// Training benchmarks: single epochs as the trainers run them, and whole default trainings.
enum TrainingBench {
    /// Times SGD epochs of a factor model the way FactorTrainer.train runs them: the same
    /// holdout split, one full shuffle, then before every epoch a shuffle of the order of blocks
    /// of ``FactorTrainer/blockSize`` ratings, and a decaying learning rate.
    static func measureFactorEpochs(
        _ ratings: RatingSet,
        dataset: String,
        factors: Int,
        epochs: Int
    ) -> EpochMeasurement {
        var options = FactorTrainingOptions()
        options.factors = factors
        let split = HoldoutSplit(
            ratings,
            fraction: options.validationFraction,
            seed: options.seed
        )
        var training = split.training
        var generator = SeededGenerator(seed: options.seed)
        let sum = training.reduce(0.0) { $0 + Double($1.value) }
        var model = FactorModel(
            users: ratings.users.count,
            jokes: ratings.jokes.count,
            factors: factors,
            globalMean: Float(training.isEmpty ? 0 : sum / Double(training.count)),
            initScale: options.initScale,
            generator: &generator
        )

        let (order, firstShuffle) = timed {
            FactorTrainer.visitingOrder(&training, factors: factors, generator: &generator)
        }
        var blocks = order

        var epochTimes: [Double] = []
        var shuffleTimes: [Double] = []
        var learningRate = options.learningRate
        var lastRMSE = Double.nan
        for _ in 0..<epochs {
            shuffleTimes.append(timed { generator.shuffle(&blocks) }.seconds)
            let (rmse, seconds) = timed {
                FactorTrainer.runEpoch(
                    &model,
                    on: training,
                    segments: blocks,
                    learningRate: learningRate,
                    regularization: options.regularization,
                    biasRegularization: options.biasRegularization
                )
            }
            epochTimes.append(seconds)
            lastRMSE = rmse
            learningRate *= options.learningRateDecay
        }
        return EpochMeasurement(
            dataset: dataset,
            model: "mf k=\(factors)",
            epochs: Samples(epochTimes),
            shuffles: Samples(shuffleTimes),
            firstShuffle: firstShuffle,
            lastTrainingRMSE: lastRMSE,
            trainingCount: training.count,
            subnormalShare: subnormalShare(of: [model.userFactors, model.jokeFactors])
        )
    }

    /// Times epochs of the seed network the way SeedTrainer runs them.
    static func measureSeedEpochs(
        _ ratings: RatingSet,
        dataset: String,
        epochs: Int
    ) -> EpochMeasurement {
        let options = SeedTrainingOptions()
        let split = HoldoutSplit(
            ratings,
            fraction: options.validationFraction,
            seed: options.seed
        )
        var training = split.training
        var generator = SeededGenerator(seed: options.seed)
        var network = SeedNetwork(
            users: ratings.users.count,
            jokes: ratings.jokes.count,
            generator: &generator
        )

        var epochTimes: [Double] = []
        var shuffleTimes: [Double] = []
        var lastRMSE = Double.nan
        for _ in 0..<epochs {
            shuffleTimes.append(timed { generator.shuffle(&training) }.seconds)
            let (rmse, seconds) = timed {
                SeedTrainer.runEpoch(
                    &network,
                    on: training,
                    batchSize: options.batchSize,
                    learningRate: options.learningRate
                )
            }
            epochTimes.append(seconds)
            lastRMSE = rmse
        }
        return EpochMeasurement(
            dataset: dataset,
            model: "seed",
            epochs: Samples(epochTimes),
            shuffles: Samples(shuffleTimes),
            firstShuffle: nil,
            lastTrainingRMSE: lastRMSE,
            trainingCount: training.count,
            subnormalShare: subnormalShare(of: [network.userEmbeddings, network.jokeEmbeddings])
        )
    }

    /// The share of lanes that are subnormal, over every vector of every table.
    static func subnormalShare(of tables: [[SIMD8<Float>]]) -> Double {
        var subnormal = 0
        var lanes = 0
        for table in tables {
            for vector in table {
                for lane in 0..<8 where vector[lane].isSubnormal { subnormal += 1 }
            }
            lanes += table.count * 8
        }
        return lanes > 0 ? Double(subnormal) / Double(lanes) : .nan
    }

    /// Trains a model of `kind` with the default options, as the daemon does.
    ///
    /// - Parameter epochCap: The most epochs to run when below the default, for quick runs.
    static func trainInFull(
        _ ratings: RatingSet,
        dataset: String,
        kind: ModelKind,
        epochCap: Int? = nil
    ) -> FullTrainingMeasurement {
        var configuration = ModelConfiguration()
        configuration.kind = kind
        if let epochCap {
            configuration.factor.maxEpochs = min(epochCap, configuration.factor.maxEpochs)
            configuration.seedNetwork.epochs = min(epochCap, configuration.seedNetwork.epochs)
        }
        var reportTimes: [UInt64] = []
        let start = monotonicNanoseconds()
        let trained = configuration.train(on: ratings) { _ in
            reportTimes.append(monotonicNanoseconds())
        }
        let end = monotonicNanoseconds()

        var previous = start
        var epochTimes: [Double] = []
        for time in reportTimes {
            epochTimes.append(seconds(from: previous, to: time))
            previous = time
        }
        return FullTrainingMeasurement(
            dataset: dataset,
            kind: kind,
            seconds: seconds(from: start, to: end),
            epochWallTimes: Samples(epochTimes),
            trained: trained
        )
    }

    /// Prints the table of timed epochs.
    static func printEpochs(_ measurements: [EpochMeasurement]) {
        var table = TextTable([
            "data", "model", "epochs", "median ms", "min ms", "max ms", "shuffle ms",
            "1st shuffle", "M/s", "RMSE", "subnormal %",
        ])
        for entry in measurements {
            let milliseconds = entry.epochs.scaled(by: 1000)
            table.add([
                entry.dataset,
                entry.model,
                "\(entry.epochs.count)",
                Format.number(milliseconds.median),
                Format.number(milliseconds.minimum),
                Format.number(milliseconds.maximum),
                Format.number(entry.shuffles.median * 1000, decimals: 2),
                entry.firstShuffle.map { Format.number($0 * 1000) } ?? "-",
                Format.number(Double(entry.trainingCount) / entry.epochs.median / 1e6),
                Format.number(entry.lastTrainingRMSE, decimals: 3),
                Format.number(entry.subnormalShare * 100, decimals: 2),
            ])
        }
        table.print()
        printLine("(an epoch is one runEpoch pass over the training ratings, in the order the")
        printLine(" trainer uses; shuffle ms is the median shuffle before an epoch: of the block")
        printLine(" or user order for mf, of every rating for seed; 1st shuffle is mf's setup of")
        printLine(" that order (a full shuffle up to 8 factors, finding each user's ratings")
        printLine(" above), in ms; M/s is million ratings per second at the median; RMSE")
        printLine(" is the last epoch's training RMSE; subnormal % is the share of vector lanes")
        printLine(" holding subnormal floats after the last epoch)")
    }

    /// Prints the table of whole trainings.
    static func printFullTraining(_ measurements: [FullTrainingMeasurement]) {
        var table = TextTable([
            "data", "model", "seconds", "epochs", "best", "ms per epoch", "validation RMSE",
            "subnormal %",
        ])
        for entry in measurements {
            table.add([
                entry.dataset,
                entry.kind == .mf ? "mf k=\(entry.trained.dimension)" : entry.kind.rawValue,
                Format.number(entry.seconds, decimals: 2),
                "\(entry.trained.epochs.count)",
                "\(entry.trained.bestEpoch)",
                Format.number(entry.epochWallTimes.median * 1000),
                entry.trained.validationRMSE.map { Format.number($0, decimals: 4) } ?? "n/a",
                Format.number(entry.subnormalShare * 100, decimals: 2),
            ])
        }
        table.print()
        printLine("(ModelConfiguration().train with the default options; ms per epoch is the")
        printLine(" median wall time between epoch reports: shuffle, pass and validation)")
    }

    /// Adds the generated data set's epoch figures to the summary.
    static func record(_ measurements: [EpochMeasurement], into summary: inout BenchSummary) {
        for entry in measurements where entry.dataset == "synthetic" {
            summary.record(TargetCheck(
                name: "epoch \(entry.model), synthetic, median",
                value: entry.epochs.median * 1000,
                unit: "ms",
                goal: entry.model == "mf k=8" ? .atMost(40) : .none
            ))
        }
    }

    /// Adds the generated data set's full trainings to the summary.
    static func record(
        _ measurements: [FullTrainingMeasurement],
        into summary: inout BenchSummary
    ) {
        for entry in measurements where entry.dataset == "synthetic" {
            let rmse = entry.trained.validationRMSE.map { Format.number($0, decimals: 3) } ?? "n/a"
            let outcome = "\(entry.trained.epochs.count) epochs, RMSE \(rmse)"
            summary.record(TargetCheck(
                name: "training \(entry.kind.rawValue), synthetic (\(outcome))",
                value: entry.seconds,
                unit: "s",
                goal: .none,
                decimals: 2
            ))
        }
    }
}
