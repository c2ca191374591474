import JesterCore

/// Generated ratings with the shape of Jester Dataset 2, for tests and benchmarks that need
/// more data than the repository ships.
///
/// Every user and joke gets a hidden vector; a rating is their dot product plus a user bias,
/// a joke bias and noise, clipped to -10...10 and written with three decimals as Dataset 2 is.
/// The same parameters always give the same bytes.
public struct SyntheticRatings: Sendable {
    public var users = 59_132
    public var jokes = 150
    public var ratings = 1_761_439
    public var rank = 4
    public var seed: UInt64 = 20_261_203

    public init() {}

    /// The ratings file, in the layout `user<TAB><TAB>joke<TAB><TAB>rating`, one line each.
    ///
    /// Users are numbered from 1 and jokes from 1; each user rates a random subset of jokes, and
    /// no user rates the same joke twice.
    public func fileBytes() -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        func vector() -> [Float] { (0..<rank).map { _ in generator.nextSymmetric(1.6) } }
        let jokeVectors = (0..<jokes).map { _ in vector() }
        let jokeBiases = (0..<jokes).map { _ in generator.nextSymmetric(2.5) }

        var output: [UInt8] = []
        output.reserveCapacity(ratings * 16)
        // Every user gets the same share, the first few one more, so the total is exact
        // whenever it fits (ratings <= users × jokes).
        let share = ratings / users
        let extra = ratings % users
        var order = Array(Int32(0)..<Int32(jokes))
        for user in 1...users {
            let userVector = vector()
            let userBias = generator.nextSymmetric(3)
            let count = min(jokes, share + (user <= extra ? 1 : 0))
            generator.shuffle(&order)
            for joke in order.prefix(count) {
                var value = userBias + jokeBiases[Int(joke)] + generator.nextSymmetric(3)
                for dimension in 0..<rank {
                    value += userVector[dimension] * jokeVectors[Int(joke)][dimension]
                }
                value = min(10, max(-10, value))
                let rating = ReplyText.fixed(Double(value), decimals: 3)
                output.append(contentsOf: "\(user)\t\t\(joke + 1)\t\t\(rating)\n".utf8)
            }
        }
        return output
    }
}
