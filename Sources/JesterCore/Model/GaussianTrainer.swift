import Synchronization

/// Settings of the conditional Gaussian model.
public struct GaussianTrainingOptions: Sendable, Equatable {
    /// The noise variance λ added to the rated jokes' covariance, in squared rating units.
    public var ridge: Double = 2
    /// Co-raters' worth of shrinkage of every covariance toward zero: a pair of jokes rated
    /// together by `n` users keeps `n / (n + shrinkage)` of its sample covariance.
    public var shrinkage: Double = 20
    /// The smallest eigenvalue the covariance keeps, so that it stays positive definite.
    public var eigenvalueFloor: Double = 0.01
    /// Threads for the pair sums and the per-user solves; results do not depend on it.
    public var threads: Int = 2
    /// Share of the ratings held out of a first fit to measure it by; the model served is
    /// then fitted to all of them.
    public var validationFraction = 0.02
    /// Seed of the validation slice's draw.
    public var seed: UInt64 = 1
    /// Ratings a joke needs for a covariance of its own; a joke with fewer is answered by a
    /// regression on its raters' rows, so that one rating never stands for every user.
    public var coverageRatings = 20
    /// Ratings' worth of the global mean in the mean of a joke without a covariance.
    public var meanPriorRatings = 5.0

    public init() {}
}

/// Fits a ``GaussianModel``: joke means and pairwise covariances from every pair of jokes a
/// user rated together, projected onto the positive definite matrices, then each user's row
/// solved exactly. One pass over the ratings for the moments and one solve per user; no
/// epochs, the same model for the same ratings whatever the thread count.
struct GaussianTrainer {
    var options: GaussianTrainingOptions

    /// The model fitted to all the ratings, with the error on a validation slice of a first
    /// fit that did not see the slice: what a full retrain is judged by. With fewer than 200
    /// ratings there is no slice.
    func trainMeasured(on ratings: RatingSet) -> MeasuredGaussian {
        let split = HoldoutSplit(
            ratings, fraction: options.validationFraction,
            seed: options.seed ^ 0x6A55_5EED)
        guard !split.validation.isEmpty else {
            return MeasuredGaussian(
                model: train(on: ratings), trainingCount: ratings.count,
                validationRMSE: nil, validationCount: 0)
        }

        let part = RatingSet(
            indexedEntries: split.training, users: ratings.users, jokes: ratings.jokes)
        let rmse = validationError(of: fit(part), trainedOn: part, validation: split.validation)
        return MeasuredGaussian(
            model: train(on: ratings), trainingCount: ratings.count,
            validationRMSE: rmse, validationCount: split.validation.count)
    }

    func train(on ratings: RatingSet) -> GaussianModel {
        let fitted = fit(ratings)
        let rows = solveRows(model: fitted, ratings: ratings)
        var model = GaussianModel(
            jokeMeans: fitted.jokeMeans, covariance: fitted.covariance, ridge: fitted.ridge,
            covered: fitted.covered, rows: PagedArray(rows), userCount: ratings.users.count)!
        fitUncoveredJokes(&model, ratings: ratings)
        return model
    }

    /// Fits every joke that has ratings but too few for a covariance to its raters' rows.
    func fitUncoveredJokes(_ model: inout GaussianModel, ratings: RatingSet) {
        var raters: [Int: [(user: Int32, value: Float)]] = [:]
        for entry in ratings.entries where !model.covers(Int(entry.joke)) {
            raters[Int(entry.joke), default: []].append((entry.user, entry.value))
        }
        for joke in raters.keys.sorted() {
            model.solveUncoveredJoke(joke, raters: raters[joke]!, globalMean: Float(ratings.globalMean))
        }
    }

    /// The means and the covariance, without any user's row.
    func fit(_ ratings: RatingSet) -> GaussianModel {
        let jokes = ratings.jokes.count
        let covered = ratings.jokeCounts.map { Int($0) >= max(1, options.coverageRatings) }
        let means = (0..<jokes).map { joke in
            let count = Double(ratings.jokeCounts[joke])
            let prior = covered[joke] ? 0 : options.meanPriorRatings
            let total = ratings.jokeSums[joke] + prior * ratings.globalMean
            return count + prior > 0 ? Float(total / (count + prior)) : Float(ratings.globalMean)
        }
        let covariance = self.covariance(of: ratings).map(Float.init)
        guard
            let model = GaussianModel(
                jokeMeans: means, covariance: covariance, ridge: Float(options.ridge),
                covered: covered, rows: PagedArray(), userCount: 0)
        else {
            preconditionFailure("a covariance with eigenvalues of at least the floor is definite")
        }
        return model
    }

    /// The RMSE on `validation` (grouped by user, as a holdout split leaves it) of a model whose
    /// users are solved from `training`; only users with validation ratings are solved.
    func validationError(
        of model: GaussianModel, trainedOn training: RatingSet,
        validation: [RatingEntry]
    ) -> Double {
        var groups: [Range<Int>] = []
        var start = 0
        for position in 1...validation.count
        where position == validation.count
            || validation[position].user != validation[start].user
        {
            groups.append(start..<position)
            start = position
        }
        let users = groups
        var errors = [Double](repeating: 0, count: users.count)
        errors.withUnsafeMutableBufferPointer { buffer in
            let output = SendableBuffer(buffer)
            forEachIndex(users.count, solving: model) { group, solver in
                let user = Int(validation[users[group].lowerBound].user)
                let first = Int(training.userStarts[user])
                let row = solver.row(training.entries[first..<Int(training.userStarts[user + 1])])
                var sum = 0.0
                for entry in validation[users[group]] {
                    let error = Double(min(10, max(-10, row[Int(entry.joke)])) - entry.value)
                    sum += error * error
                }
                (output.base + group).pointee = sum
            }
        }
        return (errors.reduce(0, +) / Double(validation.count)).squareRoot()
    }

    /// The shrunk pairwise covariance, made positive definite.
    func covariance(of ratings: RatingSet) -> [Double] {
        let jokes = ratings.jokes.count
        let moments = PairMoments.gather(ratings, threads: options.threads)
        var covariance = [Double](repeating: 0, count: jokes * jokes)
        var totalVariance = 0.0
        var rated = 0
        for joke in 0..<jokes {
            let cell = joke * jokes + joke
            let count = moments.counts[cell]
            guard count >= 2 else { continue }
            let mean = moments.sums[cell] / count
            covariance[cell] = max(moments.products[cell] / count - mean * mean, 0)
            totalVariance += covariance[cell]
            rated += 1
        }
        let fallbackVariance = rated > 0 ? totalVariance / Double(rated) : 1
        for joke in 0..<jokes where covariance[joke * jokes + joke] == 0 {
            covariance[joke * jokes + joke] = fallbackVariance
        }
        for first in 0..<jokes {
            for second in 0..<jokes where second != first {
                let cell = first * jokes + second
                let count = moments.counts[cell]
                guard count >= 2 else { continue }
                let firstMean = moments.sums[cell] / count
                let secondMean = moments.sums[second * jokes + first] / count
                let sample = moments.products[cell] / count - firstMean * secondMean
                covariance[cell] = sample * count / (count + options.shrinkage)
            }
        }
        return SymmetricAlgebra.clipEigenvalues(
            covariance, size: jokes, floor: options.eigenvalueFloor)
    }

    /// Every user's row of predictions, `users × jokes`, solved in parallel. Threads claim
    /// blocks of users one at a time, because the costly users (those with many ratings) come
    /// together in Jester's files; each row is the same whichever thread solves it.
    func solveRows(model: GaussianModel, ratings: RatingSet) -> [Float] {
        let users = ratings.users.count
        let jokes = ratings.jokes.count
        guard users > 0, jokes > 0 else { return [] }
        var rows = [Float](repeating: 0, count: users * jokes)
        rows.withUnsafeMutableBufferPointer { buffer in
            let output = SendableBuffer(buffer)
            forEachIndex(users, solving: model) { user, solver in
                let start = Int(ratings.userStarts[user])
                let end = Int(ratings.userStarts[user + 1])
                _ = solver.solve(ratings.entries[start..<end], into: output.base + user * jokes)
            }
        }
        return rows
    }

    /// Runs `body` for every index in `0..<count` on up to `threads` threads, which claim
    /// blocks of indexes in turn, each thread with a row solver of its own.
    private func forEachIndex(
        _ count: Int, solving model: GaussianModel,
        _ body: @escaping @Sendable (Int, inout RowSolver) -> Void
    ) {
        let queue = BlockQueue(UserBlocks(users: count))
        runInParallel(chunks: max(1, min(options.threads, count))) { _ in
            var solver = RowSolver(model: model)
            while let block = queue.next() {
                for index in block { body(index, &solver) }
            }
        }
    }
}

/// Blocks of users handed out one at a time to whichever thread asks first.
final class BlockQueue: Sendable {
    private let blocks: UserBlocks
    private let claimed = Atomic<Int>(0)

    init(_ blocks: UserBlocks) { self.blocks = blocks }

    /// The next unclaimed block, or `nil` when all are taken.
    func next() -> Range<Int>? {
        let block = claimed.wrappingAdd(1, ordering: .relaxed).oldValue
        return block < blocks.count ? blocks.range(block) : nil
    }
}

/// Users cut into fixed blocks, dealt out to threads in turn.
struct UserBlocks {
    static let size = 64
    let users: Int

    var count: Int { (users + Self.size - 1) / Self.size }

    func range(_ block: Int) -> Range<Int> {
        (block * Self.size)..<min(users, (block + 1) * Self.size)
    }

    /// The blocks thread `chunk` of `chunks` takes: every `chunks`-th, starting at `chunk`.
    func blocks(of chunk: Int, among chunks: Int) -> [Range<Int>] {
        stride(from: chunk, to: count, by: chunks).map(range)
    }
}

/// A model fitted to all the ratings, with how a fit without its validation slice did on it.
struct MeasuredGaussian {
    var model: GaussianModel
    var trainingCount: Int
    var validationRMSE: Double?
    var validationCount: Int

    var trained: TrainedModel {
        TrainedModel(
            fixed: model, trainingCount: trainingCount, validationRMSE: validationRMSE,
            validationCount: validationCount)
    }
}

/// A mutable buffer handed to worker threads that write disjoint parts of it.
struct SendableBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { base = buffer.baseAddress! }
}

/// Per-pair sums over the users who rated both jokes: counts, sums of the first joke's rating
/// and sums of the products, each `jokes × jokes`.
struct PairMoments {
    var counts: [Double]
    var sums: [Double]
    var products: [Double]

    /// Partial sums kept apart before the final sum, whatever the thread count, so that the
    /// sums are added in the same order and come out the same to the last bit.
    static let partitions = 8

    static func gather(_ ratings: RatingSet, threads: Int) -> PairMoments {
        let jokes = ratings.jokes.count
        let blocks = UserBlocks(users: ratings.users.count)
        var parts = [PairMoments](repeating: PairMoments(size: 0), count: partitions)
        let chunks = max(1, min(threads, partitions))
        parts.withUnsafeMutableBufferPointer { buffer in
            let output = SendableBuffer(buffer)
            runInParallel(chunks: chunks) { chunk in
                for partition in stride(from: chunk, to: partitions, by: chunks) {
                    var part = PairMoments(size: jokes)
                    for block in blocks.blocks(of: partition, among: partitions) {
                        part.add(ratings, users: block)
                    }
                    (output.base + partition).pointee = part
                }
            }
        }
        var total = parts[0]
        for part in parts.dropFirst() {
            for cell in total.counts.indices {
                total.counts[cell] += part.counts[cell]
                total.sums[cell] += part.sums[cell]
                total.products[cell] += part.products[cell]
            }
        }
        return total
    }

    init(size: Int) {
        counts = [Double](repeating: 0, count: size * size)
        sums = counts
        products = counts
    }

    mutating func add(_ ratings: RatingSet, users: Range<Int>) {
        let jokes = ratings.jokes.count
        ratings.entries.withUnsafeBufferPointer { entries in
            counts.withUnsafeMutableBufferPointer { counts in
                sums.withUnsafeMutableBufferPointer { sums in
                    products.withUnsafeMutableBufferPointer { products in
                        for user in users {
                            let start = Int(ratings.userStarts[user])
                            let end = Int(ratings.userStarts[user + 1])
                            for first in start..<end {
                                let value = Double(entries[first].value)
                                let row = Int(entries[first].joke) * jokes
                                for second in start..<end {
                                    let cell = row + Int(entries[second].joke)
                                    counts[cell] += 1
                                    sums[cell] += value
                                    products[cell] += value * Double(entries[second].value)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Solves users' rows with buffers reused from one user to the next.
struct RowSolver {
    let model: GaussianModel
    private var system: [Double] = []
    private var residual: [Double] = []
    private var prediction: [Double]

    private var scratch: [Float]

    init(model: GaussianModel) {
        self.model = model
        prediction = [Double](repeating: 0, count: model.trainedJokes)
        scratch = [Float](repeating: 0, count: max(1, model.trainedJokes))
    }

    /// The user's predictions of every trained joke, in a buffer the next call reuses.
    mutating func row(_ entries: ArraySlice<RatingEntry>) -> [Float] {
        var output = scratch
        scratch = []
        output.withUnsafeMutableBufferPointer { _ = solve(entries, into: $0.baseAddress!) }
        scratch = output
        return output
    }

    /// Writes the user's predictions of every trained joke to `output`, from ratings of
    /// covered jokes; returns `false`, writing the joke means, when the solve fails.
    mutating func solve(
        _ rated: ArraySlice<RatingEntry>, into output: UnsafeMutablePointer<Float>
    ) -> Bool {
        let jokes = model.trainedJokes
        let covered = model.covered
        let entries = rated.allSatisfy { Int($0.joke) < jokes && covered[Int($0.joke)] }
            ? rated : ArraySlice(rated.filter { Int($0.joke) < jokes && covered[Int($0.joke)] })
        let size = entries.count
        if system.count < size * size { system = [Double](repeating: 0, count: size * size) }
        if residual.count < size { residual = [Double](repeating: 0, count: size) }
        let ridge = Double(model.ridge)
        let means = model.jokeMeans
        var solved = size == 0
        model.wideCovariance.withUnsafeBufferPointer { covariance in
            system.withUnsafeMutableBufferPointer { system in
                residual.withUnsafeMutableBufferPointer { residual in
                    for (row, first) in entries.enumerated() {
                        let base = Int(first.joke) * jokes
                        for (column, second) in entries.enumerated() {
                            system[row * size + column] = covariance[base + Int(second.joke)]
                        }
                        system[row * size + row] += ridge
                        residual[row] = Double(first.value - means[Int(first.joke)])
                    }
                    guard size > 0, SymmetricAlgebra.factorInPlace(system, size: size) else {
                        return
                    }
                    SymmetricAlgebra.substitute(UnsafeBufferPointer(system), residual, size: size)
                    solved = residual[0..<size].allSatisfy(\.isFinite)
                }
            }
            prediction.withUnsafeMutableBufferPointer { prediction in
                for joke in 0..<jokes { prediction[joke] = Double(means[joke]) }
                guard solved else { return }
                for (position, entry) in entries.enumerated() {
                    let weight = residual[position]
                    let base = Int(entry.joke) * jokes
                    for joke in 0..<jokes { prediction[joke] += covariance[base + joke] * weight }
                }
            }
        }
        for joke in 0..<jokes { output[joke] = Float(prediction[joke]) }
        return solved
    }
}
