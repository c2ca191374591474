import Foundation
import Glibc
import Testing

/// The shipped units, the manual page and `make install`, checked with the real tools.
@Suite(.serialized)
struct PackagingTests {
    /// The units with their /usr/local/bin paths pointing at the built programs.
    private func renderedUnits() throws -> (directory: TemporaryDirectory, units: [String]) {
        let directory = try TemporaryDirectory()
        var units: [String] = []
        for name in ["jesterd.service", "jesterd.socket"] {
            let text = try String(contentsOfFile: Build.repository + "/systemd/" + name, encoding: .utf8)
            try directory.write(name, text.replacingOccurrences(of: "/usr/local/bin", with: Build.products))
            units.append(directory.path + "/" + name)
        }
        return (directory, units)
    }

    @Test func unitsVerifyClean() throws {
        let (directory, units) = try renderedUnits()
        let result = try runToEnd("/usr/bin/systemd-analyze", ["verify", "--man=no"] + units)
        #expect(result.status == 0)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.output.isEmpty)
        _ = directory
    }

    @Test func serviceExposureIsAtMostTwo() throws {
        let service = Build.repository + "/systemd/jesterd.service"
        let result = try runToEnd("/usr/bin/systemd-analyze", [
            "security", "--offline=yes", "--threshold=20", "--no-pager", service,
        ])
        #expect(result.status == 0)
        let line = try #require(result.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let score = try #require(line.split(separator: " ").compactMap { Double($0) }.first)
        #expect(score <= 2.0)
    }

    @Test func serviceHasTheSettingsTheDaemonRelies() throws {
        let text = try String(contentsOfFile: Build.repository + "/systemd/jesterd.service", encoding: .utf8)
        for line in [
            "Type=notify", "ExecReload=/usr/local/bin/jesterctl --socket /run/jesterd/jesterd.sock reload",
            "WatchdogSec=30s", "StateDirectory=jesterd", "RuntimeDirectory=jesterd",
            "ConfigurationDirectory=jesterd", "User=jesterd",
        ] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "\(line)")
        }
        let socket = try String(contentsOfFile: Build.repository + "/systemd/jesterd.socket", encoding: .utf8)
        #expect(socket.contains("ListenStream=/run/jesterd/jesterd.sock\n"))
        #expect(socket.contains("SocketGroup=jester\n"))
        let users = try String(contentsOfFile: Build.repository + "/systemd/jesterd.sysusers", encoding: .utf8)
        #expect(users.contains("g jester -"))
    }

    @Test func manualPagesLintClean() throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: Build.repository + "/man")
            .filter { $0.range(of: #"\.[1-8]$"#, options: .regularExpression) != nil }
        #expect(pages.contains("jesterd.conf.5"))
        for page in pages {
            let result = try runToEnd("/usr/bin/mandoc", ["-Tlint", "-W", "warning", Build.repository + "/man/" + page])
            #expect(result.status == 0, "\(page): \(result.output)\(result.errors)")
            #expect(result.output.isEmpty, "\(page): \(result.output)")
        }
    }

    @Test func aMissingNamedConfigurationFileExits78() throws {
        let directory = try TemporaryDirectory()
        let result = try runToEnd(Build.jesterd, ["--config", directory.path + "/missing.conf"])
        #expect(result.status == 78)
        #expect(result.errors.contains("missing.conf"))
    }

    @Test(.timeLimit(.minutes(20)))
    func makeInstallBuildsAStaticTree() throws {
        let destination = try TemporaryDirectory()
        let install = try runToEnd("/usr/bin/make", [
            "-C", Build.repository, "install", "DESTDIR=\(destination.path)", "PREFIX=/usr/local",
        ], timeout: 1200)
        #expect(install.status == 0, "\(install.errors)")

        let root = destination.path
        let expected = [
            "/usr/local/bin/jesterd", "/usr/local/bin/jesterctl",
            "/usr/local/lib/systemd/system/jesterd.service", "/usr/local/lib/systemd/system/jesterd.socket",
            "/usr/local/lib/sysusers.d/jesterd.conf", "/usr/local/share/man/man5/jesterd.conf.5",
            "/usr/local/share/bash-completion/completions/jesterctl", "/etc/jesterd/jesterd.conf",
            "/var/lib/jesterd/data/jester_items.dat", "/var/lib/jesterd/data/ratings-ds1.dat",
        ]
        for path in expected {
            #expect(FileManager.default.fileExists(atPath: root + path), "\(path)")
        }
        let unit = try String(contentsOfFile: root + "/usr/local/lib/systemd/system/jesterd.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/jesterd\n"))

        for program in ["jesterd", "jesterctl"] {
            let binary = root + "/usr/local/bin/" + program
            let version = try runToEnd(binary, ["--version"])
            #expect(version.status == 0)
            #expect(version.output == "\(program) 0.1.0\n")
            let libraries = try runToEnd("/usr/bin/ldd", [binary])
            #expect(libraries.status == 0)
            #expect(!libraries.output.contains("libswift"), "\(libraries.output)")
        }

        let uninstall = try runToEnd("/usr/bin/make", [
            "-C", Build.repository, "uninstall", "DESTDIR=\(destination.path)", "PREFIX=/usr/local",
        ])
        #expect(uninstall.status == 0)
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/local/bin/jesterd"))
        #expect(!FileManager.default.fileExists(atPath: root + "/var/lib/jesterd/data"))
        #expect(FileManager.default.fileExists(atPath: root + "/etc/jesterd/jesterd.conf"))
    }
}
