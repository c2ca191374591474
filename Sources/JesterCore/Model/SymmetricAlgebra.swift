/// Dense linear algebra on small symmetric matrices (row-major `[Double]`), as the conditional
/// Gaussian model and the ridge solves of fold-in need it: a hundred jokes make every matrix
/// at most about 100 × 100.
enum SymmetricAlgebra {
    /// The lower Cholesky factor `L` with `L Lᵀ = matrix`, or `nil` when the matrix is not
    /// positive definite.
    static func cholesky(_ matrix: [Double], size: Int) -> [Double]? {
        var lower = matrix
        let factored = lower.withUnsafeMutableBufferPointer { factorInPlace($0, size: size) }
        return factored ? lower : nil
    }

    /// Factors the matrix in place, leaving `L` in the lower triangle (the upper one zeroed).
    static func factorInPlace(_ lower: UnsafeMutableBufferPointer<Double>, size: Int) -> Bool {
        guard size > 0, let base = lower.baseAddress else { return size == 0 }
        for column in 0..<size {
            let columnRow = base + column * size
            let diagonal = columnRow[column] - dot(columnRow, columnRow, count: column)
            guard diagonal > 1e-12, diagonal.isFinite else { return false }
            let root = diagonal.squareRoot()
            columnRow[column] = root
            for row in (column + 1)..<max(column + 1, size) {
                let rowStart = base + row * size
                rowStart[column] =
                    (rowStart[column] - dot(rowStart, columnRow, count: column)) / root
            }
            for later in (column + 1)..<max(column + 1, size) { columnRow[later] = 0 }
        }
        return true
    }

    /// `Σ first[i] · second[i]` over `count` elements, eight at a time.
    @inline(__always)
    static func dot(_ first: UnsafePointer<Double>, _ second: UnsafePointer<Double>, count: Int)
        -> Double
    {
        var low = SIMD4<Double>()
        var high = SIMD4<Double>()
        var index = 0
        while index + 8 <= count {
            low +=
                UnsafeRawPointer(first + index).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(second + index).loadUnaligned(as: SIMD4<Double>.self)
            high +=
                UnsafeRawPointer(first + index + 4).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(second + index + 4).loadUnaligned(as: SIMD4<Double>.self)
            index += 8
        }
        var sum = (low + high).sum()
        while index < count {
            sum += first[index] * second[index]
            index += 1
        }
        return sum
    }

    /// Solves `L Lᵀ x = rhs` in place for a factor made by ``factorInPlace(_:size:)``.
    static func substitute(
        _ lower: UnsafeBufferPointer<Double>, _ rhs: UnsafeMutableBufferPointer<Double>,
        size: Int
    ) {
        guard size > 0, let factor = lower.baseAddress, let solution = rhs.baseAddress else {
            return
        }
        for row in 0..<size {
            rhs[row] =
                (rhs[row] - dot(factor + row * size, solution, count: row))
                / lower[row * size + row]
        }
        for row in stride(from: size - 1, through: 0, by: -1) {
            var value = rhs[row]
            for inner in (row + 1)..<max(row + 1, size) {
                value -= lower[inner * size + row] * rhs[inner]
            }
            rhs[row] = value / lower[row * size + row]
        }
    }

    /// The solution of `matrix · x = rhs` for a positive definite matrix, or `nil`.
    static func solvePositiveDefinite(_ matrix: [Double], _ rhs: [Double], size: Int) -> [Double]? {
        guard var lower = cholesky(matrix, size: size) else { return nil }
        var solution = rhs
        lower.withUnsafeMutableBufferPointer { lower in
            solution.withUnsafeMutableBufferPointer {
                substitute(UnsafeBufferPointer(lower), $0, size: size)
            }
        }
        return solution.allSatisfy(\.isFinite) ? solution : nil
    }

    /// The eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations; the
    /// eigenvectors are the columns of the returned matrix.
    static func symmetricEigen(_ matrix: [Double], size: Int) -> (
        values: [Double], vectors: [Double]
    ) {
        var work = matrix
        var vectors = [Double](repeating: 0, count: size * size)
        for index in 0..<size { vectors[index * size + index] = 1 }
        let total = work.reduce(0) { $0 + $1 * $1 }

        for _ in 0..<60 {
            var offDiagonal = 0.0
            for row in 0..<size {
                for column in (row + 1)..<max(row + 1, size) {
                    offDiagonal += work[row * size + column] * work[row * size + column]
                }
            }
            guard offDiagonal > 1e-22 * total else { break }
            for first in 0..<size {
                for second in (first + 1)..<max(first + 1, size)
                where work[first * size + second] != 0 {
                    rotate(&work, &vectors, first, second, size: size)
                }
            }
        }
        return ((0..<size).map { work[$0 * size + $0] }, vectors)
    }

    /// One Jacobi rotation in the plane of `first` and `second` that zeroes their off-diagonal
    /// entry: `work ← Jᵀ work J` and `vectors ← vectors J`.
    private static func rotate(
        _ work: inout [Double], _ vectors: inout [Double], _ first: Int,
        _ second: Int, size: Int
    ) {
        let offDiagonal = work[first * size + second]
        let theta = (work[second * size + second] - work[first * size + first]) / (2 * offDiagonal)
        let sign: Double = theta >= 0 ? 1 : -1
        let tangent = sign / (abs(theta) + (theta * theta + 1).squareRoot())
        let cosine = 1 / (tangent * tangent + 1).squareRoot()
        let sine = tangent * cosine
        for index in 0..<size {
            let left = work[index * size + first]
            let right = work[index * size + second]
            work[index * size + first] = cosine * left - sine * right
            work[index * size + second] = sine * left + cosine * right
        }
        for index in 0..<size {
            let top = work[first * size + index]
            let bottom = work[second * size + index]
            work[first * size + index] = cosine * top - sine * bottom
            work[second * size + index] = sine * top + cosine * bottom
        }
        for index in 0..<size {
            let left = vectors[index * size + first]
            let right = vectors[index * size + second]
            vectors[index * size + first] = cosine * left - sine * right
            vectors[index * size + second] = sine * left + cosine * right
        }
    }

    /// The nearest matrix (in Frobenius norm) whose eigenvalues are all at least `floor`.
    static func clipEigenvalues(_ matrix: [Double], size: Int, floor: Double) -> [Double] {
        let (values, vectors) = symmetricEigen(matrix, size: size)
        let clipped = values.map { max($0, floor) }
        var result = [Double](repeating: 0, count: size * size)
        for row in 0..<size {
            for column in row..<size {
                var sum = 0.0
                for k in 0..<size {
                    sum += vectors[row * size + k] * clipped[k] * vectors[column * size + k]
                }
                result[row * size + column] = sum
                result[column * size + row] = sum
            }
        }
        return result
    }
}
