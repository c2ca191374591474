/// A linear blend of models: `intercept + Σ weight_m × prediction_m`, clamped to the scale.
///
/// jesterd does not fold new ratings into a blend, whatever its members: they wait for the next
/// full training, which also fits the weights again. "Similar jokes" uses the first member's
/// vectors.
public struct BlendModel: RatingModel {
    public var kind: ModelKind { .blend }
    public var members: [any RatingModel]
    public var weights: [Float]
    public var intercept: Float

    public init(members: [any RatingModel], weights: [Float], intercept: Float) {
        precondition(!members.isEmpty && members.count == weights.count, "one weight per member")
        self.members = members
        self.weights = weights
        self.intercept = intercept
    }

    public var userCount: Int { members.map(\.userCount).min() ?? 0 }
    public var jokeCount: Int { members.map(\.jokeCount).min() ?? 0 }

    public func predict(user: Int, joke: Int) -> Float {
        var sum = intercept
        for (member, weight) in zip(members, weights) {
            sum += weight * member.predict(user: user, joke: joke)
        }
        return Self.clampRating(sum)
    }

    public func similarityVector(joke: Int) -> [Float] { members[0].similarityVector(joke: joke) }

    public func similarityWeight(joke: Int, ratingCount: Int) -> Float {
        members[0].similarityWeight(joke: joke, ratingCount: ratingCount)
    }

    public func onboardingPlan(candidates: [Int], count: Int) -> [Int] {
        members[0].onboardingPlan(candidates: candidates, count: count)
    }

    /// Fits weights and intercept by least squares to member predictions on some ratings.
    ///
    /// The fit is over the same predictions the members serve, clamped, so the solution that
    /// copies the best member is among those considered; if rounding ever leaves the fitted
    /// blend worse than the best member on these ratings, the blend copies that member.
    ///
    /// - Parameter ridge: Penalty on the weights, per rating, to keep the solve stable when
    ///   members agree closely.
    public static func fitted(members: [any RatingModel], on entries: [RatingEntry],
                              ridge: Double = 1e-6) -> BlendModel {
        precondition(!members.isEmpty, "a blend needs a member")
        let predictions = entries.map { entry in
            members.map { $0.predict(user: Int(entry.user), joke: Int(entry.joke)) }
        }
        var system = RidgeSystem(dimension: members.count)
        for (entry, row) in zip(entries, predictions) {
            system.add(row, target: Double(entry.value))
        }
        system.addPenalty(weights: ridge * Double(entries.count), bias: 0)

        var best = BlendModel(members: members, weights: Self.unit(0, members.count), intercept: 0)
        var bestError = Double.infinity
        for index in members.indices {
            let error = Self.squaredError(weights: Self.unit(index, members.count), intercept: 0,
                                          predictions: predictions, entries: entries)
            if error < bestError {
                bestError = error
                best = BlendModel(members: members, weights: Self.unit(index, members.count), intercept: 0)
            }
        }
        if let solution = system.solve() {
            let error = Self.squaredError(weights: solution.weights, intercept: solution.bias,
                                          predictions: predictions, entries: entries)
            if error <= bestError {
                best = BlendModel(members: members, weights: solution.weights, intercept: solution.bias)
            }
        }
        return best
    }

    private static func unit(_ index: Int, _ count: Int) -> [Float] {
        (0..<count).map { $0 == index ? 1 : 0 }
    }

    private static func squaredError(weights: [Float], intercept: Float, predictions: [[Float]],
                                     entries: [RatingEntry]) -> Double {
        var sum = 0.0
        for (entry, row) in zip(entries, predictions) {
            var value = intercept
            for (weight, prediction) in zip(weights, row) { value += weight * prediction }
            let error = Double(clampRating(value) - entry.value)
            sum += error * error
        }
        return sum
    }
}
