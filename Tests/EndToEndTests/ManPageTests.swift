import Foundation
import Testing

/// The manual pages under `man/`: they lint clean, and the SYNOPSIS of each program's page
/// lists the options its `--help` usage lists, in the same order.
///
/// The built programs are looked for beside the test executable, where
/// `swift build --build-tests` puts them, or in `JESTER_BIN_DIR` when that is set. mandoc(1)
/// must be on the `PATH`; without it the tests fail rather than pass unchecked.
@Suite struct ManPageTests {
    /// The package root: this file is `Tests/EndToEndTests/ManPageTests.swift`.
    private static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    private static let manDirectory = repositoryRoot.appendingPathComponent("man")

    /// Every file under `man/`, by name.
    private static let pages: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: manDirectory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func manDirectoryHoldsEveryPage() {
        #expect(Set(Self.pages).isSuperset(of: ["jesterd.8", "jesterctl.1", "jesterd-protocol.7"]))
    }

    @Test(arguments: pages)
    func pageLintsCleanAtWarningLevel(page: String) throws {
        let path = Self.manDirectory.appendingPathComponent(page).path
        let lint = try Self.mandoc(["-Tlint", "-W", "warning", path])
        #expect(lint.output + lint.errors == "", "mandoc -Tlint -W warning \(page)")
        #expect(lint.status == 0, "mandoc -Tlint -W warning \(page) exited \(lint.status)")
    }

    @Test(arguments: [("jesterd", "jesterd.8"), ("jesterctl", "jesterctl.1")])
    func synopsisListsTheOptionsOfTheUsage(program: String, page: String) throws {
        let binary = try Self.binaryDirectory().appendingPathComponent(program)
        let help = try Self.run(binary, ["--help"])
        try #require(help.status == 0, "\(program) --help exited \(help.status): \(help.errors)")
        let usage = Self.usageWords(help.output)
        try #require(!usage.isEmpty, "no usage: lines in the output of \(program) --help")

        let path = Self.manDirectory.appendingPathComponent(page).path
        let rendered = try Self.mandoc(["-Tascii", path])
        try #require(rendered.status == 0, "mandoc -Tascii \(page) exited \(rendered.status)")
        let synopsis = Self.synopsisWords(rendered.output)
        try #require(!synopsis.isEmpty, "no SYNOPSIS in \(page)")

        #expect(Self.options(in: synopsis) == Self.options(in: usage), "options of \(page) and \(program) --help")
        // Stricter: the rendered SYNOPSIS reads word for word as the usage text.
        #expect(synopsis == usage, "SYNOPSIS of \(page) and usage of \(program) --help")
    }

    // Reading the usage and the SYNOPSIS.

    /// The words of the `usage:` lines of a help text, without `usage:` itself: from the line
    /// starting with `usage:` to the first empty line.
    private static func usageWords(_ help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("usage:") }) else { return [] }
        let block = lines[start...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(words(block.joined(separator: " ")).dropFirst())
    }

    /// The words of the SYNOPSIS section of a page rendered by `mandoc -Tascii`.
    private static func synopsisWords(_ rendered: String) -> [String] {
        let lines = plain(rendered).split(separator: "\n", omittingEmptySubsequences: false)
        guard let heading = lines.firstIndex(where: { $0 == "SYNOPSIS" }) else { return [] }
        // The section runs to the next heading, the next line starting in the first column.
        let body = lines[(heading + 1)...].prefix { $0.isEmpty || $0.first == " " || $0.first == "\t" }
        return words(body.joined(separator: " "))
    }

    /// Text without the overstrike of `-Tascii`: a character and a backspace before the
    /// character shown, for bold and underline.
    private static func plain(_ text: String) -> String {
        var result: [Character] = []
        for character in text {
            if character == "\u{8}" {
                _ = result.popLast()
            } else {
                result.append(character)
            }
        }
        return String(result)
    }

    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }

    /// The long options among words such as `[--socket`, in order, repeats kept.
    private static func options(in words: [String]) -> [String] {
        words.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]|")) }
            .filter { $0.hasPrefix("--") }
    }

    // Running programs.

    private struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Where jesterd and jesterctl are: `JESTER_BIN_DIR`, else the test executable's directory.
    private static func binaryDirectory() throws -> URL {
        let manager = FileManager.default
        let directory: URL
        if let override = ProcessInfo.processInfo.environment["JESTER_BIN_DIR"], !override.isEmpty {
            directory = URL(fileURLWithPath: override)
        } else {
            let executable = try manager.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        }
        for program in ["jesterd", "jesterctl"] {
            let path = directory.appendingPathComponent(program).path
            try #require(
                manager.isExecutableFile(atPath: path),
                "no \(program) in \(directory.path); run swift build --build-tests, or set JESTER_BIN_DIR"
            )
        }
        return directory
    }

    /// Runs mandoc(1) from the `PATH`.
    private static func mandoc(_ arguments: [String]) throws -> Outcome {
        let outcome = try run(URL(fileURLWithPath: "/usr/bin/env"), ["mandoc"] + arguments)
        try #require(outcome.status != 127, "mandoc is not installed (apt-get install mandoc)")
        return outcome
    }

    /// Runs a program to its end with standard output and error in temporary files, so that
    /// neither can fill a pipe and block it.
    private static func run(_ executable: URL, _ arguments: [String]) throws -> Outcome {
        let manager = FileManager.default
        let scratch = manager.temporaryDirectory.appendingPathComponent("manpage-\(UUID().uuidString)")
        try manager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout")
        let errorURL = scratch.appendingPathComponent("stderr")
        for url in [outputURL, errorURL] {
            try #require(manager.createFile(atPath: url.path, contents: nil), "cannot create \(url.path)")
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try output.close()
        try errors.close()

        return Outcome(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            errors: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        )
    }
}
