/// What one training epoch achieved.
public struct EpochReport: Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    /// RMSE of the epoch's updates on the -10...10 scale, measured before each update.
    public var trainingRMSE: Double
    /// RMSE on the validation slice after the epoch, when there is one.
    public var validationRMSE: Double?
}

/// A trained model with the history that produced it.
public struct TrainingOutcome<Model: RatingModel>: Sendable {
    public var model: Model
    public var epochs: [EpochReport]
    /// The epoch whose parameters were kept: the best on validation.
    public var bestEpoch: Int
    public var validationRMSE: Double?
    public var trainingCount: Int
    public var validationCount: Int
}

/// Decides when training stops: after `maxEpochs`, or when the validation RMSE has not improved
/// for `patience` epochs in a row.
struct EarlyStopping {
    let maxEpochs: Int
    let patience: Int
    private(set) var bestRMSE = Double.infinity
    private(set) var bestEpoch = 0
    private var epochsWithoutGain = 0

    init(maxEpochs: Int, patience: Int) {
        self.maxEpochs = maxEpochs
        self.patience = patience
    }

    /// Records an epoch; returns whether it is the best so far.
    mutating func record(epoch: Int, validationRMSE: Double?) -> Bool {
        guard let rmse = validationRMSE else {
            bestEpoch = epoch
            return true
        }
        if rmse < bestRMSE - 1e-5 {
            bestRMSE = rmse
            bestEpoch = epoch
            epochsWithoutGain = 0
            return true
        }
        epochsWithoutGain += 1
        return false
    }

    func shouldStop(after epoch: Int) -> Bool {
        epoch >= maxEpochs || epochsWithoutGain >= patience
    }
}

/// A deterministic split of ratings into a training part and a validation slice.
public struct HoldoutSplit: Sendable {
    public var training: [RatingEntry]
    public var validation: [RatingEntry]

    /// Puts each rating in the validation slice with probability `fraction`, by a hash of
    /// its user id, joke id and `seed`: a rating stays on its side of the split when other
    /// ratings come or go, so validation errors of trainings on slightly different data are
    /// measured on nearly the same ratings. With fewer than 200 ratings there is no slice.
    public init(_ ratings: RatingSet, fraction: Double, seed: UInt64) {
        let users = ratings.users.ids
        let jokes = ratings.jokes.ids
        let salt = SeededGenerator.mixed(seed ^ 0x5EED_0F_1D5_7AB1E)
        self.init(splitting: ratings.entries, fraction: fraction) { entry in
            let user = UInt64(UInt32(bitPattern: users[Int(entry.user)]))
            let joke = UInt64(UInt32(bitPattern: jokes[Int(entry.joke)]))
            return SeededGenerator.mixed((user << 32 | joke) ^ salt)
        }
    }

    /// Puts each entry in the validation slice with probability `fraction`, drawn in order
    /// from `seed`. With fewer than 200 entries there is no validation slice.
    public init(_ entries: [RatingEntry], fraction: Double, seed: UInt64) {
        var generator = SeededGenerator(seed: seed ^ 0x5EED_0F_5A11_7000)
        self.init(splitting: entries, fraction: fraction) { _ in generator.next() }
    }

    /// Holds out each entry whose draw, uniform over 64 bits, falls below `fraction` of the
    /// range; the draws are taken in entry order. Both parts keep the input order.
    private init(
        splitting entries: [RatingEntry], fraction: Double, draw: (RatingEntry) -> UInt64
    ) {
        guard fraction > 0, entries.count >= 200 else {
            training = entries
            validation = []
            return
        }
        let threshold = UInt64(min(fraction, 0.5) * 18_446_744_073_709_551_615.0)
        training = []
        validation = []
        training.reserveCapacity(entries.count)
        validation.reserveCapacity(Int(Double(entries.count) * fraction * 1.2) + 16)
        for entry in entries {
            if draw(entry) < threshold {
                validation.append(entry)
            } else {
                training.append(entry)
            }
        }
    }
}

/// The root-mean-square error of a model on some ratings, on the -10...10 scale.
public func rootMeanSquareError(of model: some RatingPredictor, on entries: [RatingEntry]) -> Double {
    guard !entries.isEmpty else { return .nan }
    var sum = 0.0
    for entry in entries {
        let error = Double(model.predict(user: Int(entry.user), joke: Int(entry.joke)) - entry.value)
        sum += error * error
    }
    return (sum / Double(entries.count)).squareRoot()
}
