/// One recommended joke.
public struct Recommendation: Sendable, Equatable {
    public var joke: Int32
    public var rating: Float
}

extension ModelSnapshot {
    /// Whether a joke may be suggested at all: it has a text (when the catalog has texts)
    /// and is not retired.
    public func isSuggestible(jokeID: Int32) -> Bool {
        guard !retired.contains(jokeID) else { return false }
        return catalog.count == 0 || catalog.text(of: jokeID) != nil
    }

    /// The `count` suggestible jokes the user has not rated with the highest predicted rating,
    /// best first, ties broken by the lower joke id; and the source of the predictions.
    ///
    /// A user the model has not seen gets the jokes with the highest shrunk mean.
    public func recommend(userID: Int32, count: Int) -> (items: [Recommendation], source: String) {
        let user = ratings.users.index(of: userID).flatMap { $0 < model.userCount ? $0 : nil }
        var items: [Recommendation] = []
        for joke in 0..<ratings.jokes.count {
            let id = ratings.jokes.id(at: joke)
            guard isSuggestible(jokeID: id) else { continue }
            if let user {
                guard ratings.rating(user: user, joke: joke) == nil else { continue }
            }
            guard let prediction = predict(userID: userID, jokeID: id) else { continue }
            items.append(Recommendation(joke: id, rating: prediction.rating))
        }
        items.sort { $0.rating != $1.rating ? $0.rating > $1.rating : $0.joke < $1.joke }
        let source = user == nil ? "fallback:joke-mean" : "model"
        return (Array(items.prefix(count)), source)
    }
}
