/// Encodings of the SVD++, neighbourhood, item regression, conditional Gaussian and blend models.
///
/// Kind codes: 0 `mf`, 1 `seed` (in ``ModelCoding``), 2 `svdpp`, 3 `knn`, 4 `regression`,
/// 5 `blend`, 6 `gaussian`. A blend writes its weights, then each member with its own code.
extension ModelCoding {
    /// The byte that names a kind, in models and in training records.
    static func code(of kind: ModelKind) -> UInt8 {
        switch kind {
        case .mf: 0
        case .seed: 1
        case .svdpp: 2
        case .knn: 3
        case .regression: 4
        case .blend: 5
        case .gaussian: 6
        }
    }

    /// The kind a byte names; unknown bytes read as `mf`, the only kind older states held
    /// besides `seed`.
    static func kind(ofCode code: UInt8) -> ModelKind {
        ModelKind.allCases.first { Self.code(of: $0) == code } ?? .mf
    }

    /// Writes the models of this file; returns `false` for any other model.
    static func writeOther(_ model: any RatingModel, to writer: inout ByteWriter) -> Bool {
        switch model {
        case let implicit as ImplicitFactorModel:
            writer.write(code(of: .svdpp))
            writeFactors(implicit.factors, to: &writer)
            writer.write(array: implicit.implicitFactors)
        case let neighbours as NeighbourModel:
            writer.write(code(of: .knn))
            writeBiases(neighbours.baseline, to: &writer)
            writer.write(UInt32(neighbours.neighbours))
            writer.write(array: neighbours.similarities)
            writeEntries(neighbours.entries, starts: neighbours.userStarts, to: &writer)
        case let regression as ItemRegressionModel:
            writer.write(code(of: .regression))
            writeBiases(regression.baseline, to: &writer)
            writer.write(array: regression.weights)
            writeEntries(regression.entries, starts: regression.userStarts, to: &writer)
        case let gaussian as GaussianModel:
            writer.write(code(of: .gaussian))
            writeGaussian(gaussian, to: &writer)
        case let blend as BlendModel:
            writer.write(code(of: .blend))
            writer.write(array: blend.weights)
            writer.write(blend.intercept)
            for member in blend.members { write(member, to: &writer) }
        default:
            return false
        }
        return true
    }

    /// Reads a model of this file whose code has just been read.
    static func readOther(code: UInt8, _ reader: inout ByteReader) throws(DecodingError) -> any RatingModel {
        switch kind(ofCode: code) {
        case .svdpp where code == Self.code(of: .svdpp):
            let factors = try readFactors(&reader)
            let implicit = try reader.readArray(of: SIMD8<Float>.self)
            guard implicit.count == factors.jokeFactors.count else { throw .inconsistent("implicit vectors") }
            return ImplicitFactorModel(factors: factors, implicitFactors: implicit)
        case .knn where code == Self.code(of: .knn):
            let baseline = try readBiases(&reader)
            let neighbours = Int(try reader.read(UInt32.self))
            let similarities = try reader.readArray(of: Float.self)
            let (entries, starts) = try readEntries(&reader)
            guard neighbours >= 1, similarities.count == baseline.jokeBias.count * baseline.jokeBias.count,
                  starts.count == baseline.userBias.count + 1
            else { throw .inconsistent("neighbourhood model shape") }
            return NeighbourModel(baseline: baseline, neighbours: neighbours, similarities: similarities,
                                  entries: entries, userStarts: starts)
        case .regression where code == Self.code(of: .regression):
            let baseline = try readBiases(&reader)
            let weights = try reader.readArray(of: Float.self)
            let (entries, starts) = try readEntries(&reader)
            guard weights.count == baseline.jokeBias.count * baseline.jokeBias.count,
                  starts.count == baseline.userBias.count + 1
            else { throw .inconsistent("item regression shape") }
            return ItemRegressionModel(baseline: baseline, weights: weights, entries: entries,
                                       userStarts: starts)
        case .gaussian where code == Self.code(of: .gaussian):
            return try readGaussian(&reader)
        case .blend where code == Self.code(of: .blend):
            let weights = try reader.readArray(of: Float.self)
            let intercept = try reader.readFloat()
            guard !weights.isEmpty, weights.count <= 64 else { throw .inconsistent("blend weights") }
            var members: [any RatingModel] = []
            for _ in weights { members.append(try read(&reader)) }
            return BlendModel(members: members, weights: weights, intercept: intercept)
        default:
            throw .inconsistent("model kind \(code)")
        }
    }

    private static func writeFactors(_ model: FactorModel, to writer: inout ByteWriter) {
        writer.write(UInt32(model.factors))
        writer.write(model.globalMean)
        writer.write(array: model.userBias)
        writer.write(array: model.userFactors)
        writer.write(array: model.jokeBias)
        writer.write(array: model.jokeFactors)
    }

    private static func readFactors(_ reader: inout ByteReader) throws(DecodingError) -> FactorModel {
        let factors = Int(try reader.read(UInt32.self))
        guard factors >= 1, factors <= 4096 else { throw .inconsistent("factor count \(factors)") }
        let chunks = (factors + 7) / 8
        var generator = SeededGenerator(seed: 0)
        var model = FactorModel(users: 0, jokes: 0, factors: factors, globalMean: try reader.readFloat(),
                                initScale: 0, generator: &generator)
        model.userBias = try reader.readArray(of: Float.self)
        model.userFactors = try reader.readArray(of: SIMD8<Float>.self)
        model.jokeBias = try reader.readArray(of: Float.self)
        model.jokeFactors = try reader.readArray(of: SIMD8<Float>.self)
        guard model.userFactors.count == model.userBias.count * chunks,
              model.jokeFactors.count == model.jokeBias.count * chunks
        else { throw .inconsistent("factor arrays of the wrong size") }
        return model
    }

    private static func writeBiases(_ model: BiasModel, to writer: inout ByteWriter) {
        writer.write(model.globalMean)
        writer.write(array: model.userBias)
        writer.write(array: model.jokeBias)
    }

    private static func readBiases(_ reader: inout ByteReader) throws(DecodingError) -> BiasModel {
        var model = BiasModel([], users: 0, jokes: 0)
        model.globalMean = try reader.readFloat()
        model.userBias = try reader.readArray(of: Float.self)
        model.jokeBias = try reader.readArray(of: Float.self)
        return model
    }

    private static func writeEntries(_ entries: [RatingEntry], starts: [Int32], to writer: inout ByteWriter) {
        writer.write(array: starts)
        writer.write(array: entries.map(\.joke))
        writer.write(array: entries.map(\.value))
    }

    private static func readEntries(
        _ reader: inout ByteReader
    ) throws(DecodingError) -> (entries: [RatingEntry], starts: [Int32]) {
        let starts = try reader.readArray(of: Int32.self)
        let jokes = try reader.readArray(of: Int32.self)
        let values = try reader.readArray(of: Float.self)
        guard jokes.count == values.count, let last = starts.last, Int(last) == jokes.count,
              starts.first == 0, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 })
        else { throw .inconsistent("rating lists") }
        var entries: [RatingEntry] = []
        entries.reserveCapacity(jokes.count)
        for user in 0..<(starts.count - 1) {
            for position in Int(starts[user])..<Int(starts[user + 1]) {
                entries.append(RatingEntry(user: Int32(user), joke: jokes[position], value: values[position]))
            }
        }
        return (entries, starts)
    }

    /// Most jokes a saved conditional Gaussian may have: its covariance is jokes², its
    /// factorisation jokes³.
    static let gaussianJokeLimit = 4096

    private static func writeGaussian(_ model: GaussianModel, to writer: inout ByteWriter) {
        writer.write(model.ridge)
        writer.write(UInt64(model.userCount))
        writer.write(array: model.jokeMeans)
        writer.write(array: model.covariance)
        writer.write(array: model.covered.map { $0 ? UInt8(1) : 0 })
        writer.write(array: Array(model.rows))
        let regressions = model.regressions.enumerated().compactMap { index, regression in
            regression.map { (index, $0) }
        }
        writer.write(array: regressions.map { Int32($0.0) })
        writer.write(array: regressions.map(\.1.offset))
        writer.write(array: regressions.map { Int32($0.1.weights.count) })
        writer.write(array: regressions.flatMap(\.1.weights))
    }

    private static func readGaussian(_ reader: inout ByteReader) throws(DecodingError) -> GaussianModel {
        let ridge = try reader.readFloat()
        let users = try reader.read(UInt64.self)
        let means = try reader.readArray(of: Float.self)
        let covariance = try reader.readArray(of: Float.self)
        let covered = try reader.readArray(of: UInt8.self).map { $0 != 0 }
        let rows = try reader.readArray(of: Float.self)
        let indexes = try reader.readArray(of: Int32.self)
        let offsets = try reader.readArray(of: Float.self)
        let lengths = try reader.readArray(of: Int32.self)
        let weights = try reader.readArray(of: Float.self)
        let jokes = means.count
        guard jokes <= gaussianJokeLimit, users <= UInt64(Int32.max), Int(users) * jokes == rows.count,
              [means, covariance, rows, offsets, weights].allSatisfy({ $0.allSatisfy(\.isFinite) }),
              var model = GaussianModel(jokeMeans: means, covariance: covariance, ridge: ridge, covered: covered,
                                        rows: PagedArray(rows), userCount: Int(users))
        else { throw .inconsistent("conditional Gaussian shape or values") }

        // The covered jokes have no regression; every other index up to the last has one.
        guard offsets.count == indexes.count, lengths.count == indexes.count, indexes.allSatisfy({ $0 >= 0 }),
              lengths.allSatisfy({ $0 == 0 || Int($0) == jokes }),
              lengths.reduce(0, { $0 + Int($1) }) == weights.count,
              indexes.enumerated().allSatisfy({ $0.offset == 0 || indexes[$0.offset - 1] < $0.element })
        else { throw .inconsistent("conditional Gaussian regressions") }
        let count = max(jokes, (indexes.last.map { Int($0) + 1 }) ?? 0)
        var regressions = [GaussianModel.JokeRegression?](repeating: nil, count: count)
        var start = 0
        for (position, index) in indexes.enumerated() {
            let length = Int(lengths[position])
            let slice = Array(weights[start..<(start + length)])
            regressions[Int(index)] = .init(offset: offsets[position], weights: slice)
            start += length
        }
        // A regression exactly where there is no covariance.
        let mismatched = (0..<count).contains { (regressions[$0] == nil) == !($0 < jokes && covered[$0]) }
        guard !mismatched else { throw .inconsistent("conditional Gaussian regressions") }
        model.restoreRegressions(regressions)
        return model
    }
}
