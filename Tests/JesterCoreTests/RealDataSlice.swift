import Glibc
import JesterCore

/// The first users of the bundled Dataset 1 ratings, split at random, for quality tests.
enum RealDataSlice {
    static let split: EvaluationSplit = {
        let root = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        let path = "/" + root + "/data/ratings-ds1.dat"
        let bytes = readFile(path)
        var columns = RatingColumns()
        var rejections = RejectionTally(sampleLimit: 0)
        RatingsParser().parse(bytes, source: path, into: &columns, rejections: &rejections)
        var slice = RatingColumns()
        for position in 0..<columns.count where columns.users[position] < 104_000 {
            slice.append(user: columns.users[position], joke: columns.jokes[position],
                         value: columns.values[position])
        }
        return EvaluationSplit(slice, rule: .random)
    }()

    /// All of the bundled Dataset 1 ratings with the fixed random 90/10 split that other
    /// systems were measured on (`Tests/Fixtures/splits`).
    static let fixedSplit: EvaluationSplit = {
        let root = "/" + String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        return EvaluationSplit(columns(root + "/data/ratings-ds1.dat"),
                               rule: .heldOutLines(columns(root + "/Tests/Fixtures/splits/ds1-random90-heldout.dat")))
    }()

    private static func columns(_ path: String) -> RatingColumns {
        var columns = RatingColumns()
        var rejections = RejectionTally(sampleLimit: 0)
        RatingsParser().parse(readFile(path), source: path, into: &columns, rejections: &rejections)
        return columns
    }

    private static func readFile(_ path: String) -> [UInt8] {
        var bytes: [UInt8] = []
        guard let file = fopen(path, "rb") else { return bytes }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }
}
