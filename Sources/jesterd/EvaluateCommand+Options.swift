import JesterCore

extension EvaluateCommand {
    /// Parses the arguments after `evaluate`.
    static func parse(_ arguments: [String]) throws(DaemonOptions.UsageError) -> EvaluateCommand {
        var command = EvaluateCommand()
        command.configuration.seed = SplitRule.defaultSeed
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() throws(DaemonOptions.UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = rest.popFirst() else {
                    throw DaemonOptions.UsageError(message: "\(name) needs a value")
                }
                return next
            }
            switch name {
            case "--help", "-h": command.showsHelp = true
            case "--json": command.isJSON = true
            case "--data-dir": command.dataDirectory = try value()
            case "--ratings": command.ratingsPath = try value()
            case "--heldout": command.heldOutPath = try value()
            case "--split":
                let text = try value()
                guard text == "random" || text == "per-user" else {
                    throw DaemonOptions.UsageError(message: "--split must be random or per-user, not \(text)")
                }
                command.splitName = text
            case "--seed":
                let text = try value()
                guard let seed = UInt64(text) else {
                    throw DaemonOptions.UsageError(message: "--seed must be an unsigned integer, not \(text)")
                }
                command.seed = seed
                command.configuration.seed = seed
            case "--models":
                command.models = try models(try value())
            case "--set":
                try command.configuration.set(try value())
            default:
                throw DaemonOptions.UsageError(message: "unknown option \(argument)")
            }
        }
        return command
    }

    private static func models(_ list: String) throws(DaemonOptions.UsageError) -> [EvaluatedModel] {
        var models: [EvaluatedModel] = []
        for name in list.split(separator: ",") {
            guard let model = EvaluatedModel(name: String(name)) else {
                let names = EvaluatedModel.all.map(\.description).joined(separator: ", ")
                throw DaemonOptions.UsageError(message: "unknown model \(name); models are \(names)")
            }
            models.append(model)
        }
        guard !models.isEmpty else { throw DaemonOptions.UsageError(message: "--models needs a model") }
        return models
    }
}

extension ModelConfiguration {
    /// Applies one `MODEL.OPTION=VALUE` setting.
    mutating func set(_ setting: String) throws(DaemonOptions.UsageError) {
        guard let equals = setting.firstIndex(of: "=") else {
            throw DaemonOptions.UsageError(message: "--set needs MODEL.OPTION=VALUE, not \(setting)")
        }
        let key = String(setting[..<equals])
        let text = String(setting[setting.index(after: equals)...])
        if key == "blend.members" {
            var members: [ModelKind] = []
            for name in text.split(separator: "+") {
                guard let kind = ModelKind(rawValue: String(name)), kind != .blend else {
                    throw DaemonOptions.UsageError(message: "blend.members: no member \(name)")
                }
                members.append(kind)
            }
            blend.members = members
            return
        }
        guard let number = Double(text), number.isFinite, number >= 0 else {
            throw DaemonOptions.UsageError(message: "\(key) needs a non-negative number, not \(text)")
        }
        let value = Float(number)
        switch key {
        case "mf.factors": factor.factors = max(1, Int(number))
        case "mf.learning-rate": factor.learningRate = value
        case "mf.decay": factor.learningRateDecay = value
        case "mf.regularization": factor.regularization = value
        case "mf.bias-regularization": factor.biasRegularization = value
        case "mf.epochs": factor.maxEpochs = max(1, Int(number))
        case "mf.validation-fraction": factor.validationFraction = number
        case "svdpp.factors": implicitFactor.factors = max(1, Int(number))
        case "svdpp.learning-rate": implicitFactor.learningRate = value
        case "svdpp.decay": implicitFactor.learningRateDecay = value
        case "svdpp.regularization": implicitFactor.regularization = value
        case "svdpp.implicit-regularization": implicitFactor.implicitRegularization = value
        case "svdpp.bias-regularization": implicitFactor.biasRegularization = value
        case "svdpp.epochs": implicitFactor.maxEpochs = max(1, Int(number))
        case "svdpp.validation-fraction": implicitFactor.validationFraction = number
        case "knn.neighbours": neighbour.neighbours = max(1, Int(number))
        case "knn.shrinkage": neighbour.shrinkage = number
        case "knn.user-penalty": neighbour.userPenalty = number
        case "knn.joke-penalty": neighbour.jokePenalty = number
        case "regression.penalty": regression.penalty = number
        case "gaussian.ridge": gaussian.ridge = number
        case "gaussian.shrinkage": gaussian.shrinkage = number
        case "blend.validation-fraction": blend.validationFraction = number
        default: throw DaemonOptions.UsageError(message: "unknown training option \(key)")
        }
    }
}
