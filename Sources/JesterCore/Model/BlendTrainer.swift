/// Settings of the blend.
public struct BlendTrainingOptions: Sendable, Equatable {
    /// Share of the ratings held out from every member to fit the blend weights on.
    public var validationFraction = 0.04
    /// The members, in order; the first one's vectors answer "similar jokes".
    public var members: [ModelKind] = [.gaussian, .mf, .regression, .knn]
    public var seed: UInt64 = 1

    public init() {}
}

/// Trains a ``BlendModel``: carves a slice from the ratings, trains every member on the rest
/// with its own settings from the configuration (each carving its own early-stopping slice
/// from that rest), fits the weights on the slice, then trains every member again on all the
/// ratings and keeps the weights.
///
/// Members are trained one after another; the second round costs as much as the first, but a
/// member that never saw the slice would serve its users without a twentieth of their ratings.
struct BlendTrainer {
    var configuration: ModelConfiguration

    func train(on ratings: RatingSet, progress: (EpochReport) -> Void) -> TrainedModel {
        let options = configuration.blend
        let split = HoldoutSplit(ratings, fraction: options.validationFraction,
                                 seed: options.seed ^ 0xB1E4D)
        let memberRatings = RatingSet(indexedEntries: split.training, users: ratings.users,
                                      jokes: ratings.jokes)
        let kinds = options.members.filter { $0 != .blend }
        guard !split.validation.isEmpty else {
            let members = kinds.map { trainMember($0, on: ratings, progress: progress) }
            return TrainedModel(fixed: BlendModel.fitted(members: members, on: []), trainingCount: ratings.count)
        }

        let fitted = fitWeights(kinds, on: memberRatings, validation: split.validation, progress: progress)
        let members = kinds.map { trainMember($0, on: ratings, progress: progress) }
        let blend = BlendModel(members: members, weights: fitted.weights, intercept: fitted.intercept)
        return TrainedModel(fixed: blend, trainingCount: ratings.count, validationRMSE: fitted.rmse,
                            validationCount: split.validation.count)
    }

    /// The weights fitted on the validation slice, for members trained without it; the members
    /// themselves are let go before the second round trains.
    private func fitWeights(_ kinds: [ModelKind], on ratings: RatingSet, validation: [RatingEntry],
                            progress: (EpochReport) -> Void)
        -> (weights: [Float], intercept: Float, rmse: Double) {
        let members = kinds.map { trainMember($0, on: ratings, progress: progress) }
        let fitted = BlendModel.fitted(members: members, on: validation)
        return (fitted.weights, fitted.intercept, rootMeanSquareError(of: fitted, on: validation))
    }

    private func trainMember(_ kind: ModelKind, on ratings: RatingSet,
                             progress: (EpochReport) -> Void) -> any RatingModel {
        var memberConfiguration = configuration
        memberConfiguration.kind = kind
        return memberConfiguration.train(on: ratings, progress: progress).model
    }
}
