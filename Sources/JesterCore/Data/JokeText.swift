/// Decoding of one joke's text, from Jester's HTML or from plain lines.
enum JokeText {
    private enum Piece: Equatable {
        case word(String)
        case lineBreak
        case paragraphBreak
    }

    /// Decodes the lines of one joke: HTML when they hold a tag, plain text otherwise.
    static func decode(lines: [Substring]) -> String {
        let isHTML = lines.contains { $0.contains("<") && $0.contains(">") }
        let pieces = isHTML ? htmlPieces(lines.joined(separator: " ")) : plainPieces(lines)
        return render(pieces)
    }

    private static func plainPieces(_ lines: [Substring]) -> [Piece] {
        var pieces: [Piece] = []
        for line in lines {
            let words = decodeEntities(String(line)).split(whereSeparator: \.isWhitespace)
            if words.isEmpty {
                pieces.append(.paragraphBreak)
            } else {
                pieces.append(contentsOf: words.map { .word(String($0)) })
                pieces.append(.lineBreak)
            }
        }
        return pieces
    }

    private static func htmlPieces(_ html: String) -> [Piece] {
        var pieces: [Piece] = []
        var word = ""
        var scalars = html.unicodeScalars[...]

        func endWord() {
            if !word.isEmpty { pieces.append(.word(word)) }
            word = ""
        }

        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            switch scalar {
            case "<":
                guard let close = scalars.firstIndex(of: ">") else {
                    word.unicodeScalars.append(scalar)
                    continue
                }
                let tag = tagName(String(scalars[..<close]))
                scalars = scalars[scalars.index(after: close)...]
                switch tag {
                case "br":
                    endWord()
                    pieces.append(.lineBreak)
                case "p", "div", "blockquote":
                    endWord()
                    pieces.append(.paragraphBreak)
                default:
                    break
                }
            case "&":
                let limit = scalars.prefix(12)
                if let semicolon = limit.firstIndex(of: ";"),
                   let decoded = entity(String(scalars[..<semicolon])) {
                    scalars = scalars[scalars.index(after: semicolon)...]
                    if decoded == "\u{A0}" {
                        endWord()
                    } else {
                        word.unicodeScalars.append(decoded)
                    }
                } else {
                    word.unicodeScalars.append(scalar)
                }
            default:
                if scalar.properties.isWhitespace {
                    endWord()
                } else {
                    word.unicodeScalars.append(scalar)
                }
            }
        }
        endWord()
        return pieces
    }

    /// Joins words with spaces; two or more breaks in a row make a paragraph break.
    private static func render(_ pieces: [Piece]) -> String {
        var output = ""
        var pendingBreaks = 0
        var pendingParagraph = false
        for piece in pieces {
            switch piece {
            case .word(let word):
                if !output.isEmpty {
                    if pendingParagraph || pendingBreaks >= 2 {
                        output += "\n\n"
                    } else if pendingBreaks == 1 {
                        output += "\n"
                    } else {
                        output += " "
                    }
                }
                output += word
                pendingBreaks = 0
                pendingParagraph = false
            case .lineBreak:
                pendingBreaks += 1
            case .paragraphBreak:
                pendingParagraph = true
            }
        }
        return output
    }

    private static func tagName(_ inside: String) -> String {
        let trimmed = inside.drop { $0 == "/" || $0 == " " }
        return String(trimmed.prefix { $0.isLetter || $0.isNumber }).lowercased()
    }

    private static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return render(htmlPieces(text.replacingLessThan()))
    }

    private static func entity(_ name: String) -> Unicode.Scalar? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        }
        if name.hasPrefix("#") {
            return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init)
        }
        return namedEntities[name]
    }

    private static let namedEntities: [String: Unicode.Scalar] = [
        "quot": "\"", "apos": "'", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u{A0}",
        "lsquo": "\u{2018}", "rsquo": "\u{2019}", "ldquo": "\u{201C}", "rdquo": "\u{201D}",
        "ndash": "\u{2013}", "mdash": "\u{2014}", "hellip": "\u{2026}", "eacute": "\u{E9}",
    ]
}

private extension String {
    /// Protects a plain line's `<` from being read as a tag when only its entities are decoded.
    func replacingLessThan() -> String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar == "<" { result += "&lt;" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
