import Glibc
import JesterCore
import JesterSystem

/// Why the configuration file could not be used.
enum ConfigurationLoadError: Error, CustomStringConvertible {
    case unreadable(SystemError)
    case invalid(ConfigurationError)

    var description: String {
        switch self {
        case .unreadable(let error): "cannot read the configuration file: \(error)"
        case .invalid(let error): error.description
        }
    }
}

extension DaemonOptions {
    /// Reads the configuration file the arguments name and resolves the options.
    ///
    /// The default file may be missing; a file named with `--config` must exist.
    ///
    /// - Throws: ``ConfigurationLoadError`` when the file cannot be read or holds a bad line.
    static func load(_ arguments: Arguments) throws(ConfigurationLoadError) -> DaemonOptions {
        let path = arguments.configurationPath
        var bytes: [UInt8] = []
        do {
            bytes = try Files.read(path)
        } catch {
            guard error.errno == ENOENT, !arguments.configurationGiven else {
                throw .unreadable(error)
            }
        }

        do {
            let entries = try ConfigurationFile.parse(bytes, path: path)
            return try resolve(arguments, file: entries, path: path)
        } catch {
            throw .invalid(error)
        }
    }
}
