extension QuerySession {
    /// Answers `predict USER JOKE` in text format straight into `output`, without building a
    /// ``Reply``: the one request clients send in bulk.
    ///
    /// - Returns: Whether it answered; anything it does not handle (another verb, JSON, an
    ///   unknown joke, no model, an unusual spelling) is left to ``respond(to:snapshot:context:)``,
    ///   which answers it the same way it always would.
    public func answerPredictFast(
        _ line: UnsafeBufferPointer<UInt8>,
        snapshot: ModelSnapshot?,
        into output: inout [UInt8]
    ) -> Bool {
        guard format == .text, let snapshot, let base = line.baseAddress, line.count >= 11 else { return false }
        let verb: [UInt8] = Array("predict".utf8)
        for index in 0..<7 where base[index] | 0x20 != verb[index] { return false }
        var position = 7
        guard let user = Self.readID(base, &position, line.count),
              let joke = Self.readID(base, &position, line.count) else { return false }
        while position < line.count, ByteCode.isBlank(base[position]) { position += 1 }
        guard position == line.count, let prediction = snapshot.predict(userID: user, jokeID: joke)
        else { return false }

        output.append(contentsOf: "200 user=".utf8)
        Self.appendDecimal(Int(user), to: &output)
        output.append(contentsOf: " joke=".utf8)
        Self.appendDecimal(Int(joke), to: &output)
        output.append(contentsOf: " rating=".utf8)
        Self.appendHundredths(Double(prediction.rating), to: &output)
        output.append(contentsOf: " source=".utf8)
        output.append(contentsOf: prediction.source.utf8)
        output.append(ByteCode.lineFeed)
        return true
    }

    /// Blanks, then an id of at most nine digits followed by a blank or the end.
    @inline(__always)
    private static func readID(_ base: UnsafePointer<UInt8>, _ position: inout Int, _ end: Int) -> Int32? {
        let blanks = position
        while position < end, ByteCode.isBlank(base[position]) { position += 1 }
        guard position > blanks else { return nil }
        let start = position
        var value: Int32 = 0
        while position < end, ByteCode.isDigit(base[position]), position - start < 9 {
            value = value * 10 + Int32(base[position] - ByteCode.zero)
            position += 1
        }
        guard position > start, position == end || ByteCode.isBlank(base[position]) else { return nil }
        return value
    }

    @inline(__always)
    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(remaining % 10) + ByteCode.zero
                remaining /= 10
                count += 1
            } while remaining > 0
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[index]) }
        }
    }

    /// Writes `value` with two decimals exactly as ``ReplyText/fixed(_:decimals:)`` does.
    @inline(__always)
    private static func appendHundredths(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite, abs(value) < 1e12 else {
            output.append(contentsOf: ReplyText.fixed(value, decimals: 2).utf8)
            return
        }
        let units = Int((abs(value) * 100).rounded(.toNearestOrAwayFromZero))
        if value < 0 && units != 0 { output.append(0x2D) }
        appendDecimal(units / 100, to: &output)
        output.append(0x2E)
        output.append(UInt8(units % 100 / 10) + ByteCode.zero)
        output.append(UInt8(units % 10) + ByteCode.zero)
    }
}
