import Foundation
import Testing
@testable import JesterSystem

struct InboxWriterTests {
    @Test(arguments: [
        (7.5, "7.5"), (-0.0, "0"), (0, "0"), (10, "10"), (-3, "-3"), (9.281, "9.281"),
        (1.23456789, "1.234568"),
    ])
    func writesRatingsInTheirShortestForm(rating: Double, text: String) {
        #expect(InboxWriter.ratingText(rating) == text)
    }

    @Test func appendsDurableLinesInTheDataDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inbox-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let inbox = InboxWriter(directory: directory)
        try inbox.append(user: 5, joke: 77, rating: -0.0)
        try inbox.append(user: 6, joke: 3, rating: 9.5)

        let text = try String(contentsOfFile: directory + "/" + InboxWriter.fileName, encoding: .utf8)
        #expect(text == "5\t\t77\t\t0\n6\t\t3\t\t9.5\n")
    }
}
