/// The normal equations of a small ridge regression, solved by Cholesky decomposition
/// (``SymmetricAlgebra``).
///
/// Each observation has a feature vector and a constant 1 (for the bias), so the unknowns are
/// a vector of `dimension` weights and a bias.
struct RidgeSystem {
    let dimension: Int
    private var size: Int { dimension + 1 }
    private var matrix: [Double]
    private var rhs: [Double]
    private var features: [Double]

    init(dimension: Int) {
        self.dimension = dimension
        matrix = [Double](repeating: 0, count: (dimension + 1) * (dimension + 1))
        rhs = [Double](repeating: 0, count: dimension + 1)
        features = [Double](repeating: 1, count: dimension + 1)
    }

    /// Adds one observation: `target ≈ weights · vector + bias`.
    mutating func add(_ vector: [Float], target: Double) {
        for index in 0..<dimension { features[index] = Double(vector[index]) }
        let size = self.size
        matrix.withUnsafeMutableBufferPointer { matrix in
            features.withUnsafeBufferPointer { features in
                for row in 0..<size {
                    let scale = features[row]
                    for column in 0...row { matrix[row * size + column] += scale * features[column] }
                }
            }
        }
        for index in 0..<size { rhs[index] += target * features[index] }
    }

    /// Adds `weightPenalty` to the diagonal for the weights and `biasPenalty` for the bias.
    mutating func addPenalty(weights weightPenalty: Double, bias biasPenalty: Double) {
        for index in 0..<dimension { matrix[index * size + index] += weightPenalty }
        matrix[dimension * size + dimension] += biasPenalty
    }

    /// The weights and the bias, or `nil` when the system is not positive definite.
    func solve() -> (weights: [Float], bias: Float)? {
        // Only the lower triangle is filled, which is all the factorisation reads.
        guard let solution = SymmetricAlgebra.solvePositiveDefinite(matrix, rhs, size: size) else {
            return nil
        }
        return (solution[0..<dimension].map { Float($0) }, Float(solution[dimension]))
    }
}
