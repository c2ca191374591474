#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense layer of 8 units on an 8-vector: `tanh(weights × input + bias)`.
public struct DenseTanhLayer: Sendable, Equatable {
    /// Row `i` holds the weights of output unit `i`.
    public var weights: [SIMD8<Float>]
    public var bias: SIMD8<Float>

    init(weights: [SIMD8<Float>], bias: SIMD8<Float>) {
        self.weights = weights
        self.bias = bias
    }

    /// Glorot-uniform weights (limit sqrt(6 / (8 + 8))) and a zero bias.
    init(generator: inout SeededGenerator) {
        let limit = (6.0 as Float / 16).squareRoot()
        weights = (0..<8).map { _ in
            SIMD8<Float>((0..<8).map { _ in generator.nextSymmetric(limit) })
        }
        bias = SIMD8()
    }

    /// The pre-activation `weights × input + bias`.
    @inline(__always)
    func affine(_ input: SIMD8<Float>) -> SIMD8<Float> {
        var output = bias
        for unit in 0..<8 {
            output[unit] += (weights[unit] * input).sum()
        }
        return output
    }

    @inline(__always)
    func callAsFunction(_ input: SIMD8<Float>) -> SIMD8<Float> { tanh8(affine(input)) }
}

/// Elementwise hyperbolic tangent.
@inline(__always)
func tanh8(_ vector: SIMD8<Float>) -> SIMD8<Float> {
    var result = SIMD8<Float>()
    for lane in 0..<8 { result[lane] = tanhf(vector[lane]) }
    return result
}

/// The original notebook's network.
///
/// A user and a joke each have an embedding of size 8, passed through tanh and then through a
/// dense layer of 8 tanh units of their own side; the prediction is the sum of the elementwise
/// product of the two outputs, on ratings scaled from -10...10 to -1...1, so the predicted
/// rating is that sum times 10. The similar-jokes vector is the joke's embedding.
public struct SeedNetwork: RatingModel, Equatable {
    public static let embeddingSize = 8
    /// Ratings are divided by this to train, and predictions multiplied by it.
    public static let ratingScale: Float = 10

    public var kind: ModelKind { .seed }
    public var userEmbeddings: [SIMD8<Float>]
    public var jokeEmbeddings: [SIMD8<Float>]
    public var userLayer: DenseTanhLayer
    public var jokeLayer: DenseTanhLayer
    /// The output of each side's tower, computed once after training so `predict` is a dot.
    public private(set) var userOutputs: [SIMD8<Float>] = []
    public private(set) var jokeOutputs: [SIMD8<Float>] = []

    /// A freshly initialised network: Glorot-uniform embeddings with MXNet's fan convention
    /// for a table of shape (rows, 8), so limit sqrt(6 / (rows + 8)), and Glorot dense layers.
    public init(users: Int, jokes: Int, generator: inout SeededGenerator) {
        func table(_ rows: Int) -> [SIMD8<Float>] {
            let limit = (6.0 / Float(rows + Self.embeddingSize)).squareRoot()
            return (0..<rows).map { _ in
                var vector = SIMD8<Float>()
                for lane in 0..<8 { vector[lane] = generator.nextSymmetric(limit) }
                return vector
            }
        }
        userEmbeddings = table(users)
        jokeEmbeddings = table(jokes)
        userLayer = DenseTanhLayer(generator: &generator)
        jokeLayer = DenseTanhLayer(generator: &generator)
        refreshOutputs()
    }

    /// A network with the given parameters.
    init(userEmbeddings: [SIMD8<Float>], jokeEmbeddings: [SIMD8<Float>], userLayer: DenseTanhLayer,
         jokeLayer: DenseTanhLayer) {
        self.userEmbeddings = userEmbeddings
        self.jokeEmbeddings = jokeEmbeddings
        self.userLayer = userLayer
        self.jokeLayer = jokeLayer
        refreshOutputs()
    }

    public var userCount: Int { userEmbeddings.count }
    public var jokeCount: Int { jokeEmbeddings.count }

    /// The user tower: `dense(tanh(embedding))`.
    @inline(__always)
    public func userOutput(_ user: Int) -> SIMD8<Float> { userLayer(tanh8(userEmbeddings[user])) }

    /// The joke tower: `dense(tanh(embedding))`.
    @inline(__always)
    public func jokeOutput(_ joke: Int) -> SIMD8<Float> { jokeLayer(tanh8(jokeEmbeddings[joke])) }

    /// The network's output on the -1...1 scale, before the times-10.
    public func scaledOutput(user: Int, joke: Int) -> Float {
        (userOutputs[user] * jokeOutputs[joke]).sum()
    }

    public func predict(user: Int, joke: Int) -> Float {
        Self.clampRating(scaledOutput(user: user, joke: joke) * Self.ratingScale)
    }

    public func similarityVector(joke: Int) -> [Float] {
        (0..<8).map { jokeEmbeddings[joke][$0] }
    }

    /// Recomputes the tower outputs after the parameters changed.
    public mutating func refreshOutputs() {
        userOutputs = userEmbeddings.indices.map(userOutput)
        jokeOutputs = jokeEmbeddings.indices.map(jokeOutput)
    }

    public var isFinite: Bool {
        let allFinite: ([SIMD8<Float>]) -> Bool = { $0.allSatisfy { ($0 * 0) == SIMD8<Float>() } }
        return allFinite(userEmbeddings) && allFinite(jokeEmbeddings)
            && allFinite(userLayer.weights) && allFinite(jokeLayer.weights)
            && allFinite([userLayer.bias, jokeLayer.bias])
    }
}
