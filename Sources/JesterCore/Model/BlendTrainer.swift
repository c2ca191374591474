/// Settings of the blend.
public struct BlendTrainingOptions: Sendable, Equatable {
    /// Share of the ratings held out from every member to fit the blend weights on.
    public var validationFraction = 0.04
    /// The members, in order; the first one's vectors answer "similar jokes".
    public var members: [ModelKind] = [.svdpp, .mf, .regression, .knn]
    public var seed: UInt64 = 1

    public init() {}
}

/// Trains a ``BlendModel``: carves a slice from the ratings, trains every member on the rest
/// with its own settings from the configuration (each carving its own early-stopping slice
/// from that rest), then fits the weights on the slice.
///
/// The members never see the slice, so the final model learns nothing from those ratings
/// until a fold-in or the next training adds them. Members are trained one after another.
struct BlendTrainer {
    var configuration: ModelConfiguration

    func train(on ratings: RatingSet, progress: (EpochReport) -> Void) -> TrainedModel {
        let options = configuration.blend
        let split = HoldoutSplit(ratings.entries, fraction: options.validationFraction,
                                 seed: options.seed ^ 0xB1E4D)
        let memberRatings = RatingSet(indexedEntries: split.training, users: ratings.users,
                                      jokes: ratings.jokes)

        var members: [any RatingModel] = []
        for kind in options.members where kind != .blend {
            var memberConfiguration = configuration
            memberConfiguration.kind = kind
            members.append(memberConfiguration.train(on: memberRatings, progress: progress).model)
        }
        let blend = BlendModel.fitted(members: members, on: split.validation)
        let rmse = split.validation.isEmpty ? nil : rootMeanSquareError(of: blend, on: split.validation)
        return TrainedModel(fixed: blend, trainingCount: split.training.count, validationRMSE: rmse,
                            validationCount: split.validation.count)
    }
}
