extension GaussianModel {
    /// The exact greedy design for this model: each step asks the joke whose rating most
    /// lowers the summed conditional variance of the covered jokes.
    ///
    /// A new user starts with the prior covariance `P = Σ`. Rating joke `k` with noise `λ`
    /// conditions it to `P − P₍:k₎ P₍k:₎ / (P_kk + λ)`, which lowers the summed variance by
    /// `Σ_j P_jk² / (P_kk + λ)`: the gain each step maximises. Only covered jokes can be
    /// asked, since only they move a user's row; the plan is shorter than `count` when fewer
    /// candidates are covered.
    public func onboardingPlan(candidates: [Int], count: Int) -> [Int] {
        let jokes = trainedJokes
        let targets = (0..<jokes).filter { covered[$0] }
        var available = candidates.filter(covers)
        var posterior = wideCovariance
        let noise = Double(ridge)
        var chosen: [Int] = []
        var column = [Double](repeating: 0, count: jokes)

        while chosen.count < count, !available.isEmpty {
            var bestPosition = 0
            var bestGain = -Double.infinity
            for (position, candidate) in available.enumerated() {
                var reduction = 0.0
                for target in targets {
                    let value = posterior[target * jokes + candidate]
                    reduction += value * value
                }
                let gain = reduction / (posterior[candidate * jokes + candidate] + noise)
                if gain > bestGain + 1e-12 {
                    bestGain = gain
                    bestPosition = position
                }
            }
            let asked = available.remove(at: bestPosition)
            chosen.append(asked)

            let scale = 1 / (posterior[asked * jokes + asked] + noise)
            for index in 0..<jokes { column[index] = posterior[index * jokes + asked] }
            for row in 0..<jokes where column[row] != 0 {
                let factor = column[row] * scale
                for index in 0..<jokes { posterior[row * jokes + index] -= factor * column[index] }
            }
        }
        return chosen
    }
}
