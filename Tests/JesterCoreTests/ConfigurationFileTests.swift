import JesterCore
import Testing

struct ConfigurationFileTests {
    private func parse(_ text: String) throws(ConfigurationError) -> [ConfigurationEntry] {
        try ConfigurationFile.parse(Array(text.utf8), path: "/etc/jesterd/jesterd.conf")
    }

    private func problem(_ bytes: [UInt8]) -> ConfigurationError? {
        do {
            _ = try ConfigurationFile.parse(bytes, path: "test.conf")
            return nil
        } catch {
            return error
        }
    }

    @Test func readsSettingsCommentsAndBlankLines() throws {
        let entries = try parse("""
            # jesterd settings

            data-dir = /srv/jester data
            \tepochs=12\t
               # indented comment
            socket =/run/j.sock#not-a-comment
            """)
        #expect(entries == [
            ConfigurationEntry(key: "data-dir", value: "/srv/jester data", line: 3),
            ConfigurationEntry(key: "epochs", value: "12", line: 4),
            ConfigurationEntry(key: "socket", value: "/run/j.sock#not-a-comment", line: 6),
        ])
    }

    @Test func acceptsCRLFAByteOrderMarkAndNoFinalLineEnd() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("seed = 3\r\nmodel = seed".utf8)
        let entries = try ConfigurationFile.parse(bytes, path: "x")
        #expect(entries == [
            ConfigurationEntry(key: "seed", value: "3", line: 1),
            ConfigurationEntry(key: "model", value: "seed", line: 2),
        ])
    }

    @Test func anEmptyFileHasNoSettings() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n# only comments\n").isEmpty)
    }

    @Test(arguments: [
        ("epochs 12", ConfigurationError.Problem.missingEquals),
        ("= 12", .emptyKey),
        ("  =", .emptyKey),
        ("Epochs = 12", .malformedKey("Epochs")),
        ("learning_rate = 0.1", .malformedKey("learning_rate")),
        ("data dir = /x", .malformedKey("data dir")),
        ("--epochs = 3", .malformedKey("--epochs")),
        ("2epochs = 3", .malformedKey("2epochs")),
        ("epochs =", .emptyValue(key: "epochs")),
        ("epochs = \t ", .emptyValue(key: "epochs")),
        ("epochs = 1\u{0}2", .controlCharacter),
        ("epochs = 1\u{1B}[2", .controlCharacter),
        ("epochs = 12\r\r", .controlCharacter),
    ])
    func rejectsABadLine(line: String, expected: ConfigurationError.Problem) {
        let error = problem(Array("# first\n\(line)\nseed = 1\n".utf8))
        #expect(error == ConfigurationError(path: "test.conf", line: 2, problem: expected))
    }

    @Test func rejectsInvalidUTF8() {
        let bytes = Array("seed = 1\n".utf8) + [0x6D, 0x3D, 0xC3, 0x28, 0x0A]
        #expect(problem(bytes) == ConfigurationError(path: "test.conf", line: 2, problem: .notUTF8))
    }

    @Test func rejectsARepeatedKeyNamingBothLines() {
        let error = problem(Array("seed = 1\n\nepochs = 2\nseed = 2\n".utf8))
        #expect(error == ConfigurationError(
            path: "test.conf",
            line: 4,
            problem: .repeatedKey("seed", firstLine: 1)
        ))
        #expect(error?.description == "test.conf:4: seed is already set on line 1")
    }

    @Test func descriptionsNameTheFileAndLine() {
        let error = problem(Array("\n\nfoo\n".utf8))
        #expect(error?.description.hasPrefix("test.conf:3: expected \"key = value\"") == true)
        let key = ConfigurationError(path: "a.conf", line: 7, problem: .malformedKey("A\u{7}"))
        #expect(key.description == "a.conf:7: key \"A?\" must be a lowercase letter, then letters, digits and -")
    }
}
