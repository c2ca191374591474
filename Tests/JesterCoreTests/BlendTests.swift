import Testing
@testable import JesterCore

struct BlendTests {
    @Test func blendIsNeverWorseOnItsSliceThanItsBestMember() {
        let ratings = RealDataSlice.split.training
        let split = HoldoutSplit(ratings.entries, fraction: 0.05, seed: 11)
        let memberRatings = RatingSet(indexedEntries: split.training, users: ratings.users, jokes: ratings.jokes)
        var options = FactorTrainingOptions()
        options.maxEpochs = 8
        let members: [any RatingModel] = [
            FactorTrainer(options: options).train(on: memberRatings).model,
            NeighbourModel.train(on: memberRatings, options: NeighbourTrainingOptions()),
            ItemRegressionModel.train(on: memberRatings, options: ItemRegressionOptions()),
        ]
        let blend = BlendModel.fitted(members: members, on: split.validation)
        let best = members.map { rootMeanSquareError(of: $0, on: split.validation) }.min()!
        #expect(rootMeanSquareError(of: blend, on: split.validation) <= best)
    }

    @Test func blendOfAPoorAndAGoodMemberIsNoWorseThanTheGoodOne() {
        let ratings = RealDataSlice.split.training
        let split = HoldoutSplit(ratings.entries, fraction: 0.05, seed: 12)
        let memberRatings = RatingSet(indexedEntries: split.training, users: ratings.users, jokes: ratings.jokes)
        let good = ItemRegressionModel.train(on: memberRatings, options: ItemRegressionOptions())
        var poorOptions = ItemRegressionOptions()
        poorOptions.penalty = 1e12
        let poor = ItemRegressionModel.train(on: memberRatings, options: poorOptions)
        let blend = BlendModel.fitted(members: [poor, good], on: split.validation)
        #expect(rootMeanSquareError(of: blend, on: split.validation)
            <= rootMeanSquareError(of: good, on: split.validation))
    }
}
