/// Writing and reading models in the persisted state.
enum ModelCoding {
    static func write(_ model: any RatingModel, to writer: inout ByteWriter) {
        if let factors = model as? LiveFactorModel {
            writer.write(UInt8(0))
            writer.write(UInt32(factors.factors))
            writer.write(factors.globalMean)
            writer.write(array: Array(factors.userBias))
            writer.write(array: Array(factors.userVectors))
            writer.write(array: factors.jokeBias)
            writer.write(array: factors.jokeVectors)
        } else if let factors = model as? FactorModel {
            write(LiveFactorModel(factors), to: &writer)
        } else if let network = model as? SeedNetwork {
            writer.write(UInt8(1))
            writer.write(array: network.userEmbeddings)
            writer.write(array: network.jokeEmbeddings)
            for layer in [network.userLayer, network.jokeLayer] {
                writer.write(array: layer.weights)
                writer.write(array: [layer.bias])
            }
        } else {
            preconditionFailure("no encoding for \(type(of: model))")
        }
    }

    static func read(_ reader: inout ByteReader) throws(DecodingError) -> any RatingModel {
        switch try reader.read(UInt8.self) {
        case 0:
            let factors = Int(try reader.read(UInt32.self))
            guard factors >= 1, factors <= 4096 else { throw .inconsistent("factor count \(factors)") }
            let chunks = (factors + 7) / 8
            let mean = try reader.readFloat()
            let userBias = try reader.readArray(of: Float.self)
            let userVectors = try reader.readArray(of: SIMD8<Float>.self)
            let jokeBias = try reader.readArray(of: Float.self)
            let jokeVectors = try reader.readArray(of: SIMD8<Float>.self)
            guard userVectors.count == userBias.count * chunks, jokeVectors.count == jokeBias.count * chunks else {
                throw .inconsistent("factor arrays of the wrong size")
            }
            var generator = SeededGenerator(seed: 0)
            var model = FactorModel(users: 0, jokes: 0, factors: factors, globalMean: mean, initScale: 0,
                                    generator: &generator)
            model.userBias = userBias
            model.userFactors = userVectors
            model.jokeBias = jokeBias
            model.jokeFactors = jokeVectors
            return LiveFactorModel(model)
        case 1:
            let users = try reader.readArray(of: SIMD8<Float>.self)
            let jokes = try reader.readArray(of: SIMD8<Float>.self)
            var layers: [DenseTanhLayer] = []
            for _ in 0..<2 {
                let weights = try reader.readArray(of: SIMD8<Float>.self)
                let bias = try reader.readArray(of: SIMD8<Float>.self)
                guard weights.count == 8, bias.count == 1 else { throw .inconsistent("dense layer shape") }
                layers.append(DenseTanhLayer(weights: weights, bias: bias[0]))
            }
            return SeedNetwork(userEmbeddings: users, jokeEmbeddings: jokes,
                               userLayer: layers[0], jokeLayer: layers[1])
        case let kind:
            throw .inconsistent("model kind \(kind)")
        }
    }
}
