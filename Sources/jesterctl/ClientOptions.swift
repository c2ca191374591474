import JesterCore

/// jesterctl's command line.
struct ClientOptions {
    static let version = "0.1.0"
    static let defaultSocket = "/run/jesterd/jesterd.sock"

    static let usage = """
        usage: jesterctl [--socket PATH] [--json] predict USER JOKE
               jesterctl [--socket PATH] [--json] similar JOKE [N]
               jesterctl [--socket PATH] [--json] recommend USER [N]
               jesterctl [--socket PATH] [--json] explain USER JOKE
               jesterctl [--socket PATH] [--json] onboard [N]
               jesterctl [--socket PATH] [--json] joke JOKE
               jesterctl [--socket PATH] [--json] rate USER JOKE RATING
               jesterctl [--socket PATH] [--json] status | ping | version | help [VERB]
               jesterctl [--socket PATH] [--json] reload | retrain | snapshot
               jesterctl --help | --version
        """

    static let help = usage + """


        Asks a running jesterd for predictions, similar jokes and joke texts.

          predict USER JOKE   how much USER will like JOKE, from -10 to 10
          similar JOKE [N]    the N jokes (default 3) that make the same people laugh
          recommend USER [N]  the N jokes (default 5) USER has not rated that USER
                              should like most
          explain USER JOKE   why the prediction is what it is
          onboard [N]         the N jokes (default 8) a new user should rate first
          joke JOKE           the text of a joke
          rate USER JOKE RATING
                              record a rating from -10 to 10 (admin); gaussian and mf
                              learn it within milliseconds, the other models at the
                              next full retrain
          status              the model, the data files and the daemon's state
          retrain             retrain in full now and wait, up to 15 minutes, for the
                              new model (admin)
          snapshot            save jesterd's state now (admin)
          ping                check that jesterd answers
          version             versions of jesterctl, jesterd and the protocol
          help [VERB]         the verbs jesterd answers, or one verb's usage
          reload              make jesterd reread its configuration and retrain on its
                              data directory, and wait until it has (root, jesterd's user
                              or the admin group only)

          --socket PATH       jesterd's socket (default $JESTERD_SOCKET, else \(defaultSocket))
          --json              print each reply line as a JSON object
          --help              print this help and exit
          --version           print the version and exit

        Exit status: 0 success, 1 jesterd answered with an error, 64 usage error,
        69 jesterd unreachable, 76 protocol error.
        """

    var socketPath: String
    var json = false
    var action = Action.help
    /// The request line sent to jesterd.
    var request = ""
    var command = ""

    enum Action {
        case help
        case version
        case send
    }

    struct UsageError: Error {
        var message: String
    }

    static func parse(_ arguments: [String], environment socket: String?) throws(UsageError) -> ClientOptions {
        var options = ClientOptions(socketPath: socket.flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocket)
        var rest = arguments[...]
        while let argument = rest.first, argument.hasPrefix("-") {
            rest = rest.dropFirst()
            switch argument {
            case "--help", "-h":
                options.action = .help
                return options
            case "--version":
                options.action = .version
                return options
            case "--json":
                options.json = true
            case "--socket":
                guard let path = rest.popFirst() else { throw UsageError(message: "--socket needs a path") }
                options.socketPath = path
            case _ where argument.hasPrefix("--socket="):
                options.socketPath = String(argument.dropFirst("--socket=".count))
            default:
                throw UsageError(message: "unknown option \(argument)")
            }
        }
        guard let command = rest.popFirst() else { throw UsageError(message: "no command given") }
        let values = Array(rest)
        options.command = command
        options.action = .send

        func expect(_ names: [String], optional: Int = 0, extra: Int = 0) throws(UsageError) {
            guard values.count >= names.count - optional + extra, values.count <= names.count + extra else {
                let all = names + (extra > 0 ? ["RATING"] : [])
                let takes = all.isEmpty ? "no arguments" : all.joined(separator: " ")
                throw UsageError(message: "\(command) takes \(takes)")
            }
            for (name, value) in zip(names, values) {
                // The daemon checks N's range too; saying it here spares a round trip.
                let isCount = name == "[N]"
                let parsed = NumberParsing.parseID(value[...])
                let limit = Int32(Request.maxListCount)
                guard let parsed, !isCount || (1...limit).contains(parsed) else {
                    let range = isCount ? "1 to \(limit)" : "0 to 2147483647"
                    let what = "\(name.trimmingBrackets) must be an integer from \(range)"
                    throw UsageError(message: "\(what), not \(value)")
                }
            }
        }
        switch command {
        case "predict": try expect(["USER", "JOKE"])
        case "similar": try expect(["JOKE", "[N]"], optional: 1)
        case "recommend": try expect(["USER", "[N]"], optional: 1)
        case "explain": try expect(["USER", "JOKE"])
        case "onboard": try expect(["[N]"], optional: 1)
        case "joke": try expect(["JOKE"])
        case "rate":
            try expect(["USER", "JOKE"], optional: 0, extra: 1)
            guard case .number(let rating) = NumberParsing.parseDecimal(values[2][...]), (-10...10).contains(rating)
            else { throw UsageError(message: "RATING must be a number from -10 to 10, not \(values[2])") }
        case "help":
            guard values.count <= 1 else { throw UsageError(message: "help takes [VERB]") }
            let verb = values.first?.lowercased()
            if let verb, !Request.verbs.contains(where: { $0.name == verb }) {
                throw UsageError(message: "unknown verb \(verb)")
            }
        case "status", "ping", "version", "reload", "retrain", "snapshot": try expect([])
        default: throw UsageError(message: "unknown command \(command)")
        }
        options.request = ([command] + values).joined(separator: " ")
        return options
    }
}

private extension String {
    var trimmingBrackets: String { filter { $0 != "[" && $0 != "]" } }
}
