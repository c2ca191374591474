import Glibc
import JesterSystem
import Testing

extension OneAtATime {
    /// `retired_jokes.dat` in the data directory, read at start and again when it changes.
    @Suite struct RetiredJokesTests {
        /// The joke a user would be recommended first stops being recommended or asked of a
        /// new user once it is listed, and comes back when the file is removed; it can still
        /// be predicted all along.
        @Test func listingAJokeWithdrawsItFromRecommendAndOnboardAtOnce() async throws {
            let scratch = try Scratch()
            try scratch.copyData()
            let daemon = try await readyDaemon(scratch)
            defer { daemon.kill() }
            let client = try RawClient(daemon.socket)
            func recommended() throws -> [String] {
                try client.request("recommend 5 100").lines.compactMap(Self.joke)
            }
            func onboarding() throws -> [String] {
                try client.request("onboard 100").lines.compactMap(Self.joke)
            }
            let first = try #require(try recommended().first)
            let asked = try #require(try onboarding().first)

            let path = scratch.data + "/retired_jokes.dat"
            try write(path, "# taken down\n\(first)\n\(asked)   # also this one\n")
            let withdrawn = try await eventually(timeout: 10) {
                let jokes = try recommended()
                return !jokes.isEmpty && !jokes.contains(first)
            }
            #expect(withdrawn, "log:\n\(daemon.log)")
            #expect(try !onboarding().contains(asked))
            #expect(try client.request("predict 5 \(first)").code == 200)
            let retiredCount = first == asked ? 1 : 2
            #expect(daemon.log.contains(
                "retired jokes read file=retired_jokes.dat ids=\(retiredCount)\n"),
                "log:\n\(daemon.log)")

            unlink(path)
            let back = try await eventually(timeout: 10) { try recommended().first == first }
            #expect(back, "log:\n\(daemon.log)")
            #expect(try onboarding().first == asked)
            #expect(try daemon.stop() == 0, "log:\n\(daemon.log)")
        }

        /// The `joke=` field of a list line, or `nil` for the closing line.
        private static func joke(_ line: String) -> String? {
            guard line.hasPrefix("201-") else { return nil }
            let field = line.split(separator: " ").first { $0.hasPrefix("joke=") }
            return field.map { String($0.dropFirst("joke=".count)) }
        }
    }
}
