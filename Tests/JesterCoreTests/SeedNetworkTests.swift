import Foundation
import Testing
@testable import JesterCore

struct SeedNetworkTests {
    private static func network(users: Int, jokes: Int, seed: UInt64) -> SeedNetwork {
        var generator = SeededGenerator(seed: seed)
        return SeedNetwork(users: users, jokes: jokes, generator: &generator)
    }

    private static func lanes(_ vector: SIMD8<Float>) -> [Double] {
        (0..<8).map { Double(vector[$0]) }
    }

    /// `tanh(weights × tanh(embedding) + bias)`, in Double with Foundation's scalar tanh.
    private static func tower(_ embedding: SIMD8<Float>, _ layer: DenseTanhLayer) -> [Double] {
        let hidden = lanes(embedding).map { Foundation.tanh($0) }
        let bias = lanes(layer.bias)
        return (0..<8).map { unit in
            let weights = lanes(layer.weights[unit])
            let sum = zip(weights, hidden).reduce(bias[unit]) { $0 + $1.0 * $1.1 }
            return Foundation.tanh(sum)
        }
    }

    private static func scaledOutput(_ network: SeedNetwork, user: Int, joke: Int) -> Double {
        let userOut = tower(network.userEmbeddings[user], network.userLayer)
        let jokeOut = tower(network.jokeEmbeddings[joke], network.jokeLayer)
        return zip(userOut, jokeOut).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test func hasEmbeddingsOfEightAndTwoDenseLayers() {
        let network = Self.network(users: 30, jokes: 12, seed: 1)

        #expect(SeedNetwork.embeddingSize == 8)
        #expect(network.userEmbeddings.count == 30)
        #expect(network.jokeEmbeddings.count == 12)
        #expect(network.userCount == 30)
        #expect(network.jokeCount == 12)
        #expect(network.userLayer.weights.count == 8)
        #expect(network.jokeLayer.weights.count == 8)
        #expect(network.userLayer.bias == SIMD8())
        #expect(network.jokeLayer.bias == SIMD8())
        #expect(network.userLayer != network.jokeLayer)
        #expect(network.kind == .seed)
        #expect(network.similarityVector(joke: 4) == Self.lanes(network.jokeEmbeddings[4]).map {
            Float($0)
        })
    }

    @Test(arguments: [(1, 1), (10, 150), (1_000, 100), (73_421, 100)])
    func startsWithinTheGlorotLimits(users: Int, jokes: Int) {
        let network = Self.network(users: users, jokes: jokes, seed: 5)

        for (table, rows) in [(network.userEmbeddings, users), (network.jokeEmbeddings, jokes)] {
            let limit = Float((6.0 / Double(rows + 8)).squareRoot())
            let values = table.flatMap(Self.lanes)
            #expect(values.allSatisfy { abs($0) <= Double(limit) }, "rows \(rows)")
            // The values spread over the whole range, not a narrower one.
            if values.count >= 80 {
                #expect(values.map(abs).max()! > Double(limit) * 0.8, "rows \(rows)")
            }
        }
        let denseLimit = (6.0 / 16).squareRoot()
        let weights = (network.userLayer.weights + network.jokeLayer.weights).flatMap(Self.lanes)
        #expect(weights.allSatisfy { abs($0) <= denseLimit })
        #expect(weights.map(abs).max()! > denseLimit * 0.8)
    }

    @Test func predictsTenTimesTheSumOfTheTowerProducts() {
        let network = Self.network(users: 6, jokes: 5, seed: 3)

        for user in 0..<6 {
            for joke in 0..<5 {
                let expected = Self.scaledOutput(network, user: user, joke: joke)
                let scaled = Double(network.scaledOutput(user: user, joke: joke))
                #expect(abs(scaled - expected) < 1e-5)
                let rating = Double(network.predict(user: user, joke: joke))
                #expect(abs(rating - min(10, max(-10, 10 * expected))) < 1e-4)
            }
        }
    }

    @Test func clampsLargeOutputsToTheRatingScale() {
        var network = Self.network(users: 1, jokes: 1, seed: 3)
        network.userEmbeddings[0] = SIMD8(repeating: 5)
        network.jokeEmbeddings[0] = SIMD8(repeating: 5)
        network.userLayer.weights = [SIMD8<Float>](repeating: SIMD8(repeating: 1), count: 8)
        network.jokeLayer.weights = [SIMD8<Float>](repeating: SIMD8(repeating: 1), count: 8)
        network.refreshOutputs()

        // Every tower output is close to 1, so the sum is close to 8 and 80 before clamping.
        #expect(abs(Self.scaledOutput(network, user: 0, joke: 0) - 8) < 1e-3)
        #expect(network.predict(user: 0, joke: 0) == 10)
        #expect(network.isFinite)
    }

    @Test func refreshesTowerOutputsAfterParametersChange() {
        var network = Self.network(users: 2, jokes: 2, seed: 8)
        let before = network.predict(user: 1, joke: 1)
        network.jokeLayer.bias = SIMD8(repeating: 0.5)

        #expect(network.predict(user: 1, joke: 1) == before)
        network.refreshOutputs()
        let expected = Self.scaledOutput(network, user: 1, joke: 1)
        #expect(abs(Double(network.scaledOutput(user: 1, joke: 1)) - expected) < 1e-5)
    }

    @Test(arguments: [Float(10), 5, -4])
    func trainsTowardTheRatingOverTen(rating: Float) throws {
        var columns = RatingColumns()
        for user: Int32 in 1...8 {
            for joke: Int32 in 1...6 { columns.append(user: user, joke: joke, value: rating) }
        }
        var options = SeedTrainingOptions()
        options.epochs = 300
        options.batchSize = 4
        options.learningRate = 0.5
        options.seed = 2

        let outcome = SeedTrainer(options: options).train(on: RatingSet(columns))

        let network = outcome.model
        let target = Double(rating) / 10
        for user in 0..<8 {
            for joke in 0..<6 {
                let output = Double(network.scaledOutput(user: user, joke: joke))
                #expect(abs(output - target) < 0.05, "user \(user) joke \(joke): \(output)")
                let predicted = Double(network.predict(user: user, joke: joke))
                #expect(abs(predicted - Double(rating)) < 0.5)
            }
        }
        let lastRMSE = try #require(outcome.epochs.last?.trainingRMSE)
        #expect(lastRMSE < 0.5)
    }

    @Test func takesOneHandComputedGradientStep() {
        var network = Self.network(users: 2, jokes: 3, seed: 4)
        let before = network
        let learningRate: Float = 0.2
        let entry = RatingEntry(user: 1, joke: 2, value: 6)

        let rmse = SeedTrainer.runEpoch(
            &network,
            on: [entry],
            batchSize: 1,
            learningRate: learningRate
        )

        // Forward pass in Double.
        let userHidden = Self.lanes(before.userEmbeddings[1]).map { Foundation.tanh($0) }
        let jokeHidden = Self.lanes(before.jokeEmbeddings[2]).map { Foundation.tanh($0) }
        let userOut = Self.tower(before.userEmbeddings[1], before.userLayer)
        let jokeOut = Self.tower(before.jokeEmbeddings[2], before.jokeLayer)
        let output = zip(userOut, jokeOut).reduce(0) { $0 + $1.0 * $1.1 }
        let error = output - 0.6
        #expect(abs(rmse - abs(error) * 10) < 1e-4)

        // Backward pass of the loss 0.5 × error², by the chain rule.
        let userPre = (0..<8).map { error * jokeOut[$0] * (1 - userOut[$0] * userOut[$0]) }
        let jokePre = (0..<8).map { error * userOut[$0] * (1 - jokeOut[$0] * jokeOut[$0]) }
        let rate = Double(learningRate)
        for unit in 0..<8 {
            #expect(abs(Double(network.userLayer.bias[unit]) + rate * userPre[unit]) < 1e-6)
            #expect(abs(Double(network.jokeLayer.bias[unit]) + rate * jokePre[unit]) < 1e-6)
            for input in 0..<8 {
                let weight = Double(before.userLayer.weights[unit][input])
                let expected = weight - rate * userPre[unit] * userHidden[input]
                #expect(abs(Double(network.userLayer.weights[unit][input]) - expected) < 1e-6)
            }
        }
        for lane in 0..<8 {
            let hiddenGradient = (0..<8).reduce(0.0) { sum, unit in
                sum + userPre[unit] * Double(before.userLayer.weights[unit][lane])
            }
            let gradient = hiddenGradient * (1 - userHidden[lane] * userHidden[lane])
            let expected = Double(before.userEmbeddings[1][lane]) - rate * gradient
            #expect(abs(Double(network.userEmbeddings[1][lane]) - expected) < 1e-6)
            let jokeGradient = (0..<8).reduce(0.0) { sum, unit in
                sum + jokePre[unit] * Double(before.jokeLayer.weights[unit][lane])
            } * (1 - jokeHidden[lane] * jokeHidden[lane])
            let jokeExpected = Double(before.jokeEmbeddings[2][lane]) - rate * jokeGradient
            #expect(abs(Double(network.jokeEmbeddings[2][lane]) - jokeExpected) < 1e-6)
        }
        #expect(network.userEmbeddings[0] == before.userEmbeddings[0])
        #expect(network.jokeEmbeddings[0] == before.jokeEmbeddings[0])
        #expect(network.jokeEmbeddings[1] == before.jokeEmbeddings[1])
    }

    @Test func averagesTheGradientOverABatch() {
        let start = Self.network(users: 2, jokes: 2, seed: 6)
        let first = RatingEntry(user: 0, joke: 0, value: 8)
        let second = RatingEntry(user: 1, joke: 1, value: -8)
        var batched = start
        var alone = start
        var other = start

        _ = SeedTrainer.runEpoch(&batched, on: [first, second], batchSize: 2, learningRate: 0.4)
        _ = SeedTrainer.runEpoch(&alone, on: [first], batchSize: 1, learningRate: 0.2)
        _ = SeedTrainer.runEpoch(&other, on: [second], batchSize: 1, learningRate: 0.2)

        // Both gradients are taken at the starting parameters and averaged, so the batched
        // bias step is the sum of the two single steps at half the rate.
        let expected = (alone.userLayer.bias - start.userLayer.bias)
            + (other.userLayer.bias - start.userLayer.bias)
        let step = batched.userLayer.bias - start.userLayer.bias
        for unit in 0..<8 {
            #expect(abs(step[unit] - expected[unit]) < 1e-6)
        }
        // Embeddings of different users move independently.
        #expect(batched.userEmbeddings[0] != start.userEmbeddings[0])
        #expect(abs(batched.userEmbeddings[0][0] - alone.userEmbeddings[0][0]) < 1e-6)
    }
}
