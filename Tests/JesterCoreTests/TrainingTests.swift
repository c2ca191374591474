import Testing
@testable import JesterCore

struct TrainingTests {
    private static func dataset2Prefix() throws -> RatingSet {
        RatingSet(ParsedRatings(try Repository.bytes("data/ratings-ds2-prefix.dat")).columns)
    }

    private static func factorOptions(seed: UInt64) -> FactorTrainingOptions {
        var options = FactorTrainingOptions()
        options.seed = seed
        options.maxEpochs = 8
        return options
    }

    private static func seedOptions(seed: UInt64) -> SeedTrainingOptions {
        var options = SeedTrainingOptions()
        options.seed = seed
        options.epochs = 3
        return options
    }

    @Test func trainsTheSameFactorModelFromTheSameSeed() throws {
        let ratings = try Self.dataset2Prefix()
        let trainer = FactorTrainer(options: Self.factorOptions(seed: 7))

        let first = trainer.train(on: ratings)
        let second = trainer.train(on: ratings)
        let other = FactorTrainer(options: Self.factorOptions(seed: 8)).train(on: ratings)

        #expect(first.model == second.model)
        #expect(first.model.userFactors == second.model.userFactors)
        #expect(first.model.jokeBias == second.model.jokeBias)
        #expect(first.epochs == second.epochs)
        #expect(first.bestEpoch == second.bestEpoch)
        #expect(first.model != other.model)
        #expect(first.model.jokeFactors != other.model.jokeFactors)
        #expect(first.model.isFinite)
    }

    @Test func trainsTheSameSeedNetworkFromTheSameSeed() throws {
        let ratings = try Self.dataset2Prefix()
        let trainer = SeedTrainer(options: Self.seedOptions(seed: 7))

        let first = trainer.train(on: ratings)
        let second = trainer.train(on: ratings)
        let other = SeedTrainer(options: Self.seedOptions(seed: 8)).train(on: ratings)

        #expect(first.model == second.model)
        #expect(first.model.userEmbeddings == second.model.userEmbeddings)
        #expect(first.model.jokeLayer == second.model.jokeLayer)
        #expect(first.epochs == second.epochs)
        #expect(first.model != other.model)
        #expect(first.model.userEmbeddings != other.model.userEmbeddings)
        #expect(first.model.isFinite)
    }

    @Test func keepsTheModelOfTheBestValidationEpoch() throws {
        let ratings = try Self.dataset2Prefix()
        let options = Self.factorOptions(seed: 3)

        let outcome = FactorTrainer(options: options).train(on: ratings)

        // The trainer's own validation slice, drawn again from the documented seed.
        let split = HoldoutSplit(ratings, fraction: options.validationFraction, seed: 3)
        #expect(outcome.validationCount == split.validation.count)
        #expect(outcome.trainingCount == split.training.count)
        let rmse = try #require(outcome.validationRMSE)
        #expect(rmse == rootMeanSquareError(of: outcome.model, on: split.validation))
        let best = try #require(outcome.epochs.first { $0.epoch == outcome.bestEpoch })
        #expect(best.validationRMSE == rmse)
        let allRMSE = outcome.epochs.compactMap(\.validationRMSE)
        #expect(allRMSE.count == outcome.epochs.count)
        #expect(rmse <= allRMSE.min()! + 1e-5)
        #expect(outcome.epochs.map(\.epoch) == Array(1...outcome.epochs.count))
    }

    @Test func reportsEveryEpochToProgress() throws {
        let ratings = try Self.dataset2Prefix()
        var reports: [EpochReport] = []

        let outcome = FactorTrainer(options: Self.factorOptions(seed: 1)).train(on: ratings) {
            reports.append($0)
        }

        #expect(reports == outcome.epochs)
        #expect(reports.count <= 8)
    }

    @Test func keepsPaddingLanesAtZero() throws {
        let ratings = try Self.dataset2Prefix()
        var options = Self.factorOptions(seed: 2)
        options.factors = 5

        let model = FactorTrainer(options: options).train(on: ratings).model

        #expect(model.chunks == 1)
        let padded = (model.userFactors + model.jokeFactors).filter { vector in
            (5..<8).contains { vector[$0] != 0 }
        }
        #expect(padded.isEmpty)
        #expect(model.similarityVector(joke: 0).count == 5)
        #expect(model.similarityVector(joke: 0) == (0..<5).map { model.jokeFactors[0][$0] })
    }

    @Test func takesOneHandComputedFactorStep() {
        var generator = SeededGenerator(seed: 9)
        var model = FactorModel(
            users: 2,
            jokes: 2,
            factors: 3,
            globalMean: 1,
            initScale: 0.5,
            generator: &generator
        )
        model.userBias[1] = 0.5
        model.jokeBias[0] = -0.25
        let before = model
        let learningRate: Float = 0.1
        let regularization: Float = 0.05
        let biasRegularization: Float = 0.02

        let rmse = FactorTrainer.runEpoch(
            &model,
            on: [RatingEntry(user: 1, joke: 0, value: 4)],
            learningRate: learningRate,
            regularization: regularization,
            biasRegularization: biasRegularization
        )

        let userVector = (0..<3).map { Double(before.userFactors[1][$0]) }
        let jokeVector = (0..<3).map { Double(before.jokeFactors[0][$0]) }
        let dot = zip(userVector, jokeVector).reduce(0) { $0 + $1.0 * $1.1 }
        let error = 4 - (1 + 0.5 - 0.25 + dot)
        #expect(abs(rmse - abs(error)) < 1e-5)
        let rate = Double(learningRate)
        let userBias = 0.5 + rate * (error - Double(biasRegularization) * 0.5)
        let jokeBias = -0.25 + rate * (error - Double(biasRegularization) * -0.25)
        #expect(abs(Double(model.userBias[1]) - userBias) < 1e-5)
        #expect(abs(Double(model.jokeBias[0]) - jokeBias) < 1e-5)
        for lane in 0..<3 {
            let user = userVector[lane]
                + rate * (error * jokeVector[lane] - Double(regularization) * userVector[lane])
            let joke = jokeVector[lane]
                + rate * (error * userVector[lane] - Double(regularization) * jokeVector[lane])
            #expect(abs(Double(model.userFactors[1][lane]) - user) < 1e-5)
            #expect(abs(Double(model.jokeFactors[0][lane]) - joke) < 1e-5)
        }
        // The other user and joke are untouched.
        #expect(model.userFactors[0] == before.userFactors[0])
        #expect(model.jokeFactors[1] == before.jokeFactors[1])
        #expect(model.userBias[0] == 0)
        #expect(model.jokeBias[1] == 0)
    }

    @Test func startsFactorsWithinTheInitialScale() {
        var generator = SeededGenerator(seed: 4)

        let model = FactorModel(
            users: 50,
            jokes: 20,
            factors: 16,
            globalMean: 0.5,
            initScale: 0.1,
            generator: &generator
        )

        #expect(model.userFactors.count == 100)
        #expect(model.jokeFactors.count == 40)
        let lanes = (model.userFactors + model.jokeFactors).flatMap { vector in
            (0..<8).map { vector[$0] }
        }
        #expect(lanes.allSatisfy { abs($0) <= 0.1 })
        #expect(lanes.contains { abs($0) > 0.09 })
        #expect(Set(lanes).count > lanes.count / 2)
        #expect(model.userBias == [Float](repeating: 0, count: 50))
        #expect(model.predict(user: 3, joke: 4) == 0.5 + model.dot(user: 3, joke: 4))
    }

    @Test(arguments: [
        (Float(25), Float(10)), (-30, -10), (3.25, 3.25), (.nan, 0), (.infinity, 10),
        (-.infinity, -10),
    ] as [(Float, Float)])
    func clampsPredictions(raw: Float, clamped: Float) {
        var generator = SeededGenerator(seed: 1)
        var model = FactorModel(
            users: 1,
            jokes: 1,
            factors: 1,
            globalMean: 0,
            initScale: 0,
            generator: &generator
        )
        model.globalMean = raw

        #expect(model.predict(user: 0, joke: 0) == clamped)
    }

    @Test func splitsHoldoutDeterministically() throws {
        let entries = try Self.dataset2Prefix().entries

        let first = HoldoutSplit(entries, fraction: 0.1, seed: 5)
        let second = HoldoutSplit(entries, fraction: 0.1, seed: 5)
        let other = HoldoutSplit(entries, fraction: 0.1, seed: 6)

        #expect(first.training == second.training)
        #expect(first.validation == second.validation)
        #expect(first.validation != other.validation)
        #expect(first.training.count + first.validation.count == entries.count)
        let share = Double(first.validation.count) / Double(entries.count)
        #expect(share > 0.09 && share < 0.11)
        // Both parts keep the input order, so merging them back gives the input.
        let isInput = Self.isInterleaving(first.training, first.validation, of: entries)
        #expect(isInput)
    }

    /// The trainers' split keys each rating by its ids: after other ratings are dropped and
    /// a new user arrives, every remaining rating is still on the side it was on.
    @Test func aRatingKeepsItsSideOfTheTrainersSplitWhenTheDataChanges() throws {
        let ratings = try Self.dataset2Prefix()
        let split = HoldoutSplit(ratings, fraction: 0.1, seed: 5)
        let share = Double(split.validation.count) / Double(ratings.count)
        #expect(share > 0.09 && share < 0.11)
        #expect(split.training.count + split.validation.count == ratings.count)
        func ids(_ entries: [RatingEntry], in set: RatingSet) -> Set<[Int32]> {
            Set(entries.map { [set.users.ids[Int($0.user)], set.jokes.ids[Int($0.joke)]] })
        }
        let heldOut = ids(split.validation, in: ratings)
        #expect(HoldoutSplit(ratings, fraction: 0.1, seed: 6).validation.count > 0)
        let otherSeed = HoldoutSplit(ratings, fraction: 0.1, seed: 6)
        #expect(ids(otherSeed.validation, in: ratings) != heldOut)

        var changed = RatingColumns()
        for (position, entry) in ratings.entries.enumerated() where position % 7 != 3 {
            changed.append(user: ratings.users.ids[Int(entry.user)],
                           joke: ratings.jokes.ids[Int(entry.joke)], value: entry.value)
        }
        for joke in 1...40 { changed.append(user: 9_999_001, joke: Int32(joke), value: 2) }
        let other = RatingSet(changed)
        let otherHeldOut = ids(HoldoutSplit(other, fraction: 0.1, seed: 5).validation, in: other)
        let common = ids(other.entries, in: other).intersection(ids(ratings.entries, in: ratings))
        #expect(common.count > ratings.count / 2)
        #expect(heldOut.intersection(common) == otherHeldOut.intersection(common))
    }

    @Test func holdsNothingOutOfSmallOrUnsplitSets() {
        let entries = (0..<199).map { RatingEntry(user: Int32($0), joke: 0, value: 1) }

        #expect(HoldoutSplit(entries, fraction: 0.5, seed: 1).validation.isEmpty)
        #expect(HoldoutSplit(entries + entries, fraction: 0, seed: 1).validation.isEmpty)
        #expect(!HoldoutSplit(entries + entries, fraction: 0.2, seed: 1).validation.isEmpty)
        let twoHundred = Array(entries.prefix(100) + entries.prefix(100))
        #expect(!HoldoutSplit(twoHundred, fraction: 0.5, seed: 1).validation.isEmpty)
    }

    @Test(arguments: [
        ([3.0, 2.0, 2.5, 2.5], 2, 4, 2),
        ([3.0, 2.0, 1.0, 0.5], 2, 4, 4),
        ([3.0, 3.0, 3.0], 2, 3, 1),
        ([3.0, 2.0, 2.1, 1.0, 1.1, 1.2], 2, 6, 4),
        ([3.0, 2.999_999], 1, 2, 1),
    ])
    func stopsEarlyAfterPatienceEpochsWithoutGain(
        validation: [Double],
        patience: Int,
        epochsRun: Int,
        bestEpoch: Int
    ) {
        var stopping = EarlyStopping(maxEpochs: 10, patience: patience)
        var epoch = 0

        for rmse in validation {
            epoch += 1
            _ = stopping.record(epoch: epoch, validationRMSE: rmse)
            if stopping.shouldStop(after: epoch) { break }
        }

        #expect(epoch == epochsRun)
        #expect(stopping.bestEpoch == bestEpoch)
        #expect(stopping.bestRMSE == validation[bestEpoch - 1])
    }

    @Test func stopsAtMaxEpochsWithoutValidation() {
        var stopping = EarlyStopping(maxEpochs: 3, patience: 1)

        let firstIsBest = stopping.record(epoch: 1, validationRMSE: nil)
        #expect(firstIsBest)
        #expect(!stopping.shouldStop(after: 1))
        let secondIsBest = stopping.record(epoch: 2, validationRMSE: nil)
        let thirdIsBest = stopping.record(epoch: 3, validationRMSE: nil)
        #expect(secondIsBest && thirdIsBest)
        #expect(stopping.shouldStop(after: 3))
        #expect(stopping.bestEpoch == 3)
    }

    @Test func generatesTheSameSequenceFromTheSameSeed() {
        var first = SeededGenerator(seed: 42)
        var second = SeededGenerator(seed: 42)
        var other = SeededGenerator(seed: 43)

        let values = (0..<100).map { _ in first.next() }
        let repeated = (0..<100).map { _ in second.next() }
        let different = (0..<100).map { _ in other.next() }

        #expect(values == repeated)
        #expect(values != different)
        #expect(Set(values).count == 100)
        for bound in [1, 2, 7, 1_000] {
            let indexes = (0..<1_000).map { _ in first.nextIndex(below: bound) }
            #expect(indexes.allSatisfy { (0..<bound).contains($0) })
            if bound <= 7 { #expect(Set(indexes).count == bound) }
        }
        let symmetric = (0..<10_000).map { _ in first.nextSymmetric(2) }
        #expect(symmetric.allSatisfy { $0 >= -2 && $0 < 2 })
        #expect(symmetric.contains { $0 < -1.9 } && symmetric.contains { $0 > 1.9 })
    }

    @Test(arguments: [0, 1, 42, UInt64.max])
    func generatesXoshiro256StarStarSeededBySplitMix64(seed: UInt64) {
        var reference = ReferenceXoshiro(seed: seed)
        var generator = SeededGenerator(seed: seed)

        let values = (0..<1_000).map { _ in generator.next() }

        #expect(values == (0..<1_000).map { _ in reference.next() })
        for bound in [1, 3, 150, 73_421] {
            let index = generator.nextIndex(below: bound)
            #expect(index == Int(reference.next().multipliedFullWidth(by: UInt64(bound)).high))
        }
    }

    @Test func seedsThroughSplitMix64() {
        // The published first outputs of SplitMix64 from state 0.
        var splitMix = ReferenceSplitMix(state: 0)

        let outputs = (0..<4).map { _ in splitMix.next() }

        #expect(outputs == [
            0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F,
            0xF88B_B8A8_724C_81EC,
        ])
    }

    @Test func shufflesIntoAPermutation() {
        var generator = SeededGenerator(seed: 11)
        var values = (0..<1_000).map { Int32($0) }
        var entries = (0..<1_000).map { RatingEntry(user: Int32($0), joke: 1, value: 0) }

        generator.shuffle(&values)
        generator.shuffle(&entries)

        #expect(values.sorted() == (0..<1_000).map { Int32($0) })
        #expect(values != values.sorted())
        #expect(entries.map(\.user).sorted() == (0..<1_000).map { Int32($0) })
        #expect(entries.map(\.user) != values)
    }

    private static func isInterleaving(
        _ first: [RatingEntry],
        _ second: [RatingEntry],
        of whole: [RatingEntry]
    ) -> Bool {
        var firstIndex = 0
        var secondIndex = 0
        for entry in whole {
            if firstIndex < first.count, first[firstIndex] == entry {
                firstIndex += 1
            } else if secondIndex < second.count, second[secondIndex] == entry {
                secondIndex += 1
            } else {
                return false
            }
        }
        return firstIndex == first.count && secondIndex == second.count
    }
}

/// SplitMix64 as published by Steele, Lea and Flood, written out independently.
private struct ReferenceSplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// xoshiro256** as published by Blackman and Vigna, its state filled by SplitMix64.
private struct ReferenceXoshiro {
    var words: [UInt64]

    init(seed: UInt64) {
        var splitMix = ReferenceSplitMix(state: seed)
        words = (0..<4).map { _ in splitMix.next() }
    }

    private static func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    mutating func next() -> UInt64 {
        let result = Self.rotateLeft(words[1] &* 5, 7) &* 9
        let shifted = words[1] << 17
        words[2] ^= words[0]
        words[3] ^= words[1]
        words[1] ^= words[2]
        words[0] ^= words[3]
        words[2] ^= shifted
        words[3] = Self.rotateLeft(words[3], 45)
        return result
    }
}
