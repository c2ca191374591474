/// One recommended joke.
public struct Recommendation: Sendable, Equatable {
    public var joke: Int32
    public var rating: Float
}

extension ModelSnapshot {
    /// The `count` suggestible jokes the user has not rated with the highest predicted rating,
    /// best first, ties broken by the lower joke id; and the source of the predictions.
    ///
    /// A user the model has not seen gets the jokes with the highest shrunk mean.
    public func recommend(userID: Int32, count: Int) -> (items: [Recommendation], source: String) {
        let user = modelUser(userID)
        var items: [Recommendation] = []
        for joke in 0..<ratings.jokes.count where suggestible[joke] {
            if let user {
                guard ratings.rating(user: user, joke: joke) == nil else { continue }
            }
            let rating = predict(user: user, joke: joke).rating
            items.append(Recommendation(joke: ratings.jokes.id(at: joke), rating: rating))
        }
        items.sort { $0.rating != $1.rating ? $0.rating > $1.rating : $0.joke < $1.joke }
        let source = user == nil ? "fallback:joke-mean" : "model"
        return (Array(items.prefix(count)), source)
    }
}
