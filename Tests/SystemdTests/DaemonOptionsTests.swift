import JesterCore
import JesterSystem
import Foundation
import Testing
@testable import jesterd

struct DaemonOptionsTests {
    private func resolve(
        _ file: String,
        arguments: [String] = []
    ) throws -> DaemonOptions {
        let parsed = try DaemonOptions.parse(arguments)
        let entries = try ConfigurationFile.parse(Array(file.utf8), path: "j.conf")
        return try DaemonOptions.resolve(parsed, file: entries, path: "j.conf")
    }

    private func fileError(_ file: String) -> String? {
        do {
            _ = try resolve(file)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func everyOptionIsAConfigurationKey() throws {
        let options = try resolve("""
            data-dir = /srv/data
            socket = /run/x.sock
            state-dir = /srv/state
            model = seed
            seed = 7
            ridge = 3.5
            factors = 8
            epochs = 5
            learning-rate = 0.02
            regularization = 0.1
            retrain-fraction = 0.25
            retrain-interval = 90
            save-interval = 7.5
            max-connections = 9
            idle-timeout = 2.5
            busy-poll = 0
            log-level = debug
            admin-group = wheel
            """)
        #expect(options.dataDirectory == "/srv/data")
        #expect(options.socketPath == "/run/x.sock")
        #expect(options.stateDirectory == "/srv/state")
        #expect(options.model.kind == .seed)
        #expect(options.model.seed == 7)
        #expect(options.model.factor.factors == 8)
        #expect(options.model.seedNetwork.epochs == 5)
        #expect(options.model.gaussian.ridge == 3.5)
        #expect(options.model.seedNetwork.learningRate == 0.02)
        #expect(options.model.factor.regularization == 0.1)
        #expect(options.limits.maxConnections == 9)
        #expect(options.limits.idleTimeout == 2.5)
        #expect(options.limits.busyPollMicroseconds == 0)
        #expect(options.logLevel == .debug)
        #expect(options.adminGroup == "wheel")
        #expect(options.live.retrainFraction == 0.25)
        #expect(options.live.retrainInterval == 90)
        #expect(options.live.saveInterval == 7.5)
        #expect(DaemonOptions.settingNames.count == 18)
    }

    @Test func theCommandLineWins() throws {
        let options = try resolve(
            "epochs = 5\nsocket = /run/file.sock\n",
            arguments: ["--epochs", "9", "--data-dir=/d"]
        )
        #expect(options.model.factor.maxEpochs == 9)
        #expect(options.socketPath == "/run/file.sock")
        #expect(options.dataDirectory == "/d")
    }

    @Test(arguments: [
        ("colour = blue", "j.conf:1: unknown key \"colour\""),
        ("config = /etc/x", "j.conf:1: unknown key \"config\""),
        ("model = svd", "j.conf:1: model must be one of gaussian, mf, seed, svdpp, knn, regression, blend, not svd"),
        ("epochs = 0", "j.conf:1: epochs must be an integer from 1 to 10000, not 0"),
        ("epochs = 2.5", "j.conf:1: epochs must be an integer from 1 to 10000, not 2.5"),
        ("seed = -1", "j.conf:1: seed must be an integer from 0 to 9223372036854775807, not -1"),
        ("factors = many", "j.conf:1: factors must be an integer from 1 to 1024, not many"),
        ("learning-rate = nan", "j.conf:1: learning-rate must be a number from 1e-09 to 10, not nan"),
        ("regularization = 101", "j.conf:1: regularization must be a number from 0 to 100, not 101"),
        ("max-connections = 0", "j.conf:1: max-connections must be an integer from 1 to 65536, not 0"),
        ("idle-timeout = inf", "j.conf:1: idle-timeout must be a number from 0.001 to 86400, not inf"),
        ("busy-poll = 20000", "j.conf:1: busy-poll must be an integer from 0 to 10000, not 20000"),
        ("log-level = loud",
         "j.conf:1: log-level must be one of trace, debug, info, notice, warning, error, critical, not loud"),
    ])
    func rejectsAnUnknownKeyOrBadValue(line: String, message: String) {
        #expect(fileError(line) == message)
    }

    @Test func badCommandLineValuesAreUsageErrors() {
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--epochs", "x"]) }
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--colour=1"]) }
        #expect(throws: DaemonOptions.UsageError.self) { try DaemonOptions.parse(["--config"]) }
    }

    @Test func theShippedFileHoldsEveryKeyWithItsDefault() throws {
        let path = Build.repository + "/dist/jesterd.conf"
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try ConfigurationFile.parse(Array(shipped.utf8), path: path).isEmpty)

        // Uncommented, every setting parses and, but for the example group, is the default.
        let uncommented = shipped.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                let isSetting = line.hasPrefix("#") && line.dropFirst().first?.isLowercase == true
                return isSetting ? String(line.dropFirst()) : String(line)
            }
            .filter { !$0.hasPrefix("admin-group") }
            .joined(separator: "\n")
        let entries = try ConfigurationFile.parse(Array(uncommented.utf8), path: path)
        #expect(entries.map(\.key) == DaemonOptions.settingNames.filter { $0 != "admin-group" })
        let options = try DaemonOptions.resolve(DaemonOptions.Arguments(), file: entries, path: path)
        let defaults = DaemonOptions()
        #expect(options.dataDirectory == defaults.dataDirectory)
        #expect(options.socketPath == defaults.socketPath)
        #expect(options.model.kind == defaults.model.kind)
        #expect(options.model.factor == defaults.model.factor)
        #expect(options.model.gaussian == defaults.model.gaussian)
        #expect(options.limits.maxConnections == defaults.limits.maxConnections)
        #expect(options.limits.idleTimeout == defaults.limits.idleTimeout)
        #expect(options.limits.busyPollMicroseconds == defaults.limits.busyPollMicroseconds)
        #expect(options.logLevel == defaults.logLevel)
        #expect(shipped.contains("#admin-group = "))
    }

    @Test func aMissingDefaultFileIsFineAndAMissingNamedFileIsNot() throws {
        var arguments = DaemonOptions.Arguments()
        arguments.configurationPath = "/nonexistent/jesterd.conf"
        #expect(try DaemonOptions.load(arguments).model.kind == .gaussian)

        arguments.configurationGiven = true
        #expect(throws: ConfigurationLoadError.self) { try DaemonOptions.load(arguments) }
    }
}
