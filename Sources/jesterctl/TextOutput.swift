import JesterCore

/// Human-readable renderings of replies.
enum TextOutput {
    /// Wraps text to `width` columns, keeping its line and paragraph breaks, indenting every line.
    static func wrap(_ text: String, width: Int, indent: String = "") -> String {
        let available = max(20, width - indent.count)
        var output: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in line.split(separator: " ") {
                if !current.isEmpty && current.count + 1 + word.count > available {
                    output.append(indent + current)
                    current = ""
                }
                current += current.isEmpty ? String(word) : " " + word
            }
            output.append(current.isEmpty ? "" : indent + current)
        }
        return output.joined(separator: "\n")
    }

    static func fields(_ line: ReceivedLine) -> [String: String] {
        var result: [String: String] = [:]
        for field in ReplyText.parseFields(line.payload[...]) ?? [] { result[field.key] = field.value }
        return result
    }

    static func render(command: String, reply: [ReceivedLine], width: Int) -> String {
        let last = fields(reply[reply.count - 1])
        switch command {
        case "predict":
            let source = last["source"].map { " (source: \($0))" } ?? ""
            return "Predicted rating of joke \(last["joke"] ?? "?") for user \(last["user"] ?? "?"): "
                + "\(last["rating"] ?? "?")\(source)"
        case "similar":
            var text = "Jokes like joke \(last["joke"] ?? "?"):"
            for line in reply.dropLast() {
                let item = fields(line)
                text += "\n\n\(item["rank"] ?? "?"). Joke \(item["joke"] ?? "?") "
                    + "(similarity \(item["score"] ?? "?"))"
                if let joke = item["text"] { text += "\n" + wrap(joke, width: width, indent: "   ") }
            }
            if reply.count == 1 { text += "\n\nnone found" }
            return text
        case "recommend":
            var text = "Jokes for user \(last["user"] ?? "?") (\(last["source"] ?? "?")):"
            for line in reply.dropLast() {
                let item = fields(line)
                text += "\n\n\(item["rank"] ?? "?"). Joke \(item["joke"] ?? "?") "
                    + "(predicted \(item["rating"] ?? "?"))"
                if let joke = item["text"] { text += "\n" + wrap(joke, width: width, indent: "   ") }
            }
            if reply.count == 1 { text += "\n\nnone left to recommend" }
            return text
        case "onboard":
            var text = "Rate these jokes first:"
            for line in reply.dropLast() {
                let item = fields(line)
                text += "\n\n\(item["rank"] ?? "?"). Joke \(item["joke"] ?? "?")"
                if let joke = item["text"] { text += "\n" + wrap(joke, width: width, indent: "   ") }
            }
            return text
        case "explain":
            var text = "Joke \(last["joke"] ?? "?") for user \(last["user"] ?? "?"): "
                + "\(last["rating"] ?? "?") (source: \(last["source"] ?? "?"))"
            let items = reply.dropLast().map(fields)
            let column = items.compactMap { $0["part"]?.count }.max().map { max($0, 3) + 1 } ?? 12
            for item in items {
                if let part = item["part"] {
                    text += "\n  \(part.padding(to: column)) \(item["value"] ?? "?")"
                } else if let joke = item["because"] {
                    let pull = item["pull"] ?? "?"
                    let direction = pull.hasPrefix("-") ? "down" : "up"
                    let size = pull.hasPrefix("-") ? String(pull.dropFirst()) : pull
                    text += "\n  pulled \(direction) \(size) by joke \(joke): rated \(item["rated"] ?? "?"), "
                        + "similarity \(item["similarity"] ?? "?")"
                }
            }
            text += "\n  \("sum".padding(to: column)) \(last["sum"] ?? "?")"
            return text
        case "joke":
            return "Joke \(last["joke"] ?? "?"):\n\n" + wrap(last["text"] ?? "", width: width)
        case "ping", "snapshot":
            return reply[0].payload
        case "rate":
            return "Recorded: user \(last["user"] ?? "?") rated joke \(last["joke"] ?? "?") "
                + "\(last["rating"] ?? "?") (in \(last["file"] ?? "?"))"
        case "retrain":
            return "Retrained: model version \(last["model.version"] ?? "?")"
        case "status":
            var text = render(command: "", reply: [reply[reply.count - 1]], width: width)
            let files = reply.dropLast().map(fields)
            if !files.isEmpty {
                text += "\n\nfiles:"
                for file in files {
                    text += "\n  \(file["file"] ?? "?")  offset \(file["offset"] ?? "?") of \(file["size"] ?? "?")"
                        + (file["pending"].map { $0 == "0" ? "" : ", \($0) bytes pending" } ?? "")
                }
            }
            return text
        case "help":
            // One verb's reply is a single line; the list ends with a count line.
            let items = (reply.count == 1 ? reply : reply.dropLast()).map(fields)
            let width = items.map { ($0["usage"] ?? "").count }.max() ?? 0
            return items.map { item in
                (item["usage"] ?? "").padding(to: width) + "  " + (item["summary"] ?? "")
            }.joined(separator: "\n")
        default:
            let pairs = reply.flatMap { ReplyText.parseFields($0.payload[...]) ?? [] }
            let keyWidth = pairs.map(\.key.count).max() ?? 0
            return pairs.map { "\($0.key.padding(to: keyWidth)) \($0.value)" }.joined(separator: "\n")
        }
    }
}

private extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
