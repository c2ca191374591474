/// The normal equations of a small ridge regression, solved by Cholesky decomposition.
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
        let size = self.size
        var lower = matrix
        for column in 0..<size {
            var diagonal = lower[column * size + column]
            for inner in 0..<column { diagonal -= lower[column * size + inner] * lower[column * size + inner] }
            guard diagonal > 1e-12, diagonal.isFinite else { return nil }
            let root = diagonal.squareRoot()
            lower[column * size + column] = root
            for row in (column + 1)..<max(column + 1, size) {
                var value = lower[row * size + column]
                for inner in 0..<column { value -= lower[row * size + inner] * lower[column * size + inner] }
                lower[row * size + column] = value / root
            }
        }
        // Forward substitution L y = rhs, then back substitution Lᵀ x = y.
        var solution = rhs
        for row in 0..<size {
            var value = solution[row]
            for inner in 0..<row { value -= lower[row * size + inner] * solution[inner] }
            solution[row] = value / lower[row * size + row]
        }
        for row in stride(from: size - 1, through: 0, by: -1) {
            var value = solution[row]
            for inner in (row + 1)..<max(row + 1, size) { value -= lower[inner * size + row] * solution[inner] }
            solution[row] = value / lower[row * size + row]
        }
        guard solution.allSatisfy(\.isFinite) else { return nil }
        return (solution[0..<dimension].map { Float($0) }, Float(solution[dimension]))
    }
}
