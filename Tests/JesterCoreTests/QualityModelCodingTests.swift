import Testing
@testable import JesterCore

struct QualityModelCodingTests {
    private func roundTrip(_ model: any RatingModel) throws -> any RatingModel {
        var writer = ByteWriter()
        ModelCoding.write(model, to: &writer)
        var reader = ByteReader(writer.bytes)
        let decoded = try ModelCoding.read(&reader)
        #expect(reader.isAtEnd)
        return decoded
    }

    private func expectSamePredictions(_ first: any RatingModel, _ second: any RatingModel) {
        #expect(first.kind == second.kind)
        #expect(first.userCount == second.userCount && first.jokeCount == second.jokeCount)
        for user in stride(from: 0, to: first.userCount, by: 97) {
            for joke in 0..<first.jokeCount {
                #expect(first.predict(user: user, joke: joke) == second.predict(user: user, joke: joke))
            }
        }
    }

    @Test func newModelsRoundTripThroughTheirEncoding() throws {
        let ratings = RealDataSlice.split.training
        var options = ImplicitFactorTrainingOptions()
        options.maxEpochs = 2
        let implicit = ImplicitFactorTrainer(options: options).train(on: ratings).model
        let neighbours = NeighbourModel.train(on: ratings, options: NeighbourTrainingOptions())
        let regression = ItemRegressionModel.train(on: ratings, options: ItemRegressionOptions())
        let blend = BlendModel(members: [implicit, neighbours, regression], weights: [0.5, 0.2, 0.3],
                               intercept: 0.1)
        for model in [implicit, neighbours, regression, blend] as [any RatingModel] {
            expectSamePredictions(model, try roundTrip(model))
        }
        #expect(try roundTrip(implicit) as? ImplicitFactorModel == implicit)
        #expect(try roundTrip(neighbours) as? NeighbourModel == neighbours)
        #expect(try roundTrip(regression) as? ItemRegressionModel == regression)
    }

    @Test func kindCodesAreDistinctAndReadBack() {
        let codes = ModelKind.allCases.map(ModelCoding.code(of:))
        #expect(Set(codes).count == codes.count)
        for kind in ModelKind.allCases {
            #expect(ModelCoding.kind(ofCode: ModelCoding.code(of: kind)) == kind)
        }
    }
}
