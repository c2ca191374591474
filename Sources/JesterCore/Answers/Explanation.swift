/// Why a prediction is what it is.
public struct Explanation: Sendable, Equatable {
    /// One additive part of the prediction.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var value: Float
    }

    /// A joke the user rated and how much it pulls this prediction up (positive) or down.
    public struct Influence: Sendable, Equatable {
        public var joke: Int32
        public var rating: Float
        public var similarity: Float
        public var pull: Float
    }

    /// Parts that add up to ``raw``.
    public var parts: [Part]
    /// The sum of the parts, before clamping to -10...10.
    public var raw: Float
    /// The prediction as `predict` answers it.
    public var rating: Float
    public var source: String
    public var influences: [Influence]
}

extension ModelSnapshot {
    /// Explains a prediction by original ids; `nil` when the joke is unknown.
    ///
    /// For the `mf` model the parts are the global mean, the user's bias, the joke's bias and
    /// the dot product of their vectors. The influences are the rated jokes with the largest
    /// similarity × (rating − the user's baseline for that joke), at most `influences` of them.
    /// For the `gaussian` model the parts are the joke's mean and the pull of the user's
    /// ratings, and each influence is that rating's exact share of the pull (see
    /// ``explainGaussian(_:user:joke:prediction:limit:)``).
    public func explain(userID: Int32, jokeID: Int32, influences limit: Int = 3) -> Explanation? {
        guard let prediction = predict(userID: userID, jokeID: jokeID),
              let joke = ratings.jokes.index(of: jokeID) else { return nil }
        guard prediction.source == "model", let user = ratings.users.index(of: userID) else {
            return Explanation(parts: [.init(name: prediction.source, value: prediction.rating)],
                               raw: prediction.rating, rating: prediction.rating, source: prediction.source,
                               influences: [])
        }

        if let gaussian = model as? GaussianModel {
            return explainGaussian(gaussian, user: user, joke: joke, prediction: prediction, limit: limit)
        }
        var parts: [Explanation.Part]
        var baseline: (Int) -> Float
        if let factors = model as? LiveFactorModel {
            parts = [
                .init(name: "global-mean", value: factors.globalMean),
                .init(name: "user-bias", value: factors.userBias[user]),
                .init(name: "joke-bias", value: factors.jokeBias[joke]),
                .init(name: "factors", value: factors.dot(user: user, joke: joke)),
            ]
            baseline = { factors.globalMean + factors.userBias[user] + factors.jokeBias[$0] }
        } else {
            // One part, the prediction, named after what made it.
            let name = model.kind == .seed ? "network" : model.kind.rawValue
            parts = [.init(name: name, value: prediction.rating)]
            let mean = Float(ratings.globalMean)
            baseline = { _ in mean }
        }
        let raw = parts.reduce(0) { $0 + $1.value }

        var influences: [Explanation.Influence] = []
        for rated in ratings.byUser[user] where Int(rated.joke) != joke && Int(rated.joke) < model.jokeCount {
            let other = Int(rated.joke)
            let similarity = self.similarity.similarity(joke, other)
            let pull = similarity * (rated.value - baseline(other))
            influences.append(.init(joke: ratings.jokes.id(at: other), rating: rated.value,
                                    similarity: similarity, pull: pull))
        }
        influences.sort { abs($0.pull) != abs($1.pull) ? abs($0.pull) > abs($1.pull) : $0.joke < $1.joke }
        return Explanation(parts: parts, raw: raw, rating: prediction.rating, source: prediction.source,
                           influences: Array(influences.prefix(limit)))
    }
}

extension ModelSnapshot {
    /// The conditional mean `μ_j + Σ_i w_i (x_i − μ_i)` split into the joke's mean, the pull of
    /// the user's own rating of the joke when there is one, and the pull of the other ratings,
    /// each rated joke `i` pulling by `w_i (x_i − μ_i)` (see
    /// ``GaussianModel/influences(of:on:)``), solved from the user's ratings as they stand; the parts add
    /// up to the served prediction except while a bulk read waits for its retrain, when the
    /// user's row was not solved again. Each influence's similarity is the correlation of the
    /// two jokes' ratings.
    func explainGaussian(_ gaussian: GaussianModel, user: Int, joke: Int, prediction: Prediction,
                         limit: Int) -> Explanation {
        let jokes = gaussian.trainedJokes
        if let regression = gaussian.regressions[joke] {
            // A joke without a covariance: what its regression gives a user whose row is the
            // joke means, plus what this user's row adds.
            let raw = gaussian.predictUnclamped(user: user, joke: joke)
            let typical = zip(regression.weights, gaussian.jokeMeans)
                .reduce(regression.offset) { $0 + $1.0 * $1.1 }
            let parts: [Explanation.Part] = [.init(name: "joke-mean", value: typical),
                                             .init(name: "user-profile", value: raw - typical)]
            return Explanation(parts: parts, raw: raw, rating: prediction.rating,
                               source: prediction.source, influences: [])
        }
        var pulls: [Explanation.Influence] = []
        var total: Float = 0
        var own: Float?
        for (other, weight, deviation) in gaussian.influences(of: ratings.byUser[user], on: joke) {
            let pull = Float(weight * deviation)
            guard other != joke else {
                own = pull
                continue
            }
            total += pull
            let sigma = gaussian.covariance
            let spread = (sigma[joke * jokes + joke] * sigma[other * jokes + other]).squareRoot()
            let correlation = sigma[joke * jokes + other] / spread
            let rating = ratings.rating(user: user, joke: other) ?? 0
            pulls.append(
                .init(
                    joke: ratings.jokes.id(at: other), rating: rating, similarity: correlation,
                    pull: pull))
        }
        pulls.sort { abs($0.pull) != abs($1.pull) ? abs($0.pull) > abs($1.pull) : $0.joke < $1.joke }
        var parts: [Explanation.Part] = [.init(name: "joke-mean", value: gaussian.jokeMeans[joke])]
        if let own { parts.append(.init(name: "own-rating", value: own)) }
        parts.append(.init(name: "other-ratings", value: total))
        return Explanation(parts: parts, raw: parts.reduce(0) { $0 + $1.value }, rating: prediction.rating,
                           source: prediction.source, influences: Array(pulls.prefix(limit)))
    }
}
