import Glibc
import JesterCore

/// Writes a line to standard output at once, so progress shows even when stdout is a pipe.
func printLine(_ text: String = "") {
    print(text)
    fflush(nil)
}

/// Prints a section title: a blank line, then `== title` padded with `=` to a fixed width.
func printSection(_ title: String) {
    let heading = "== \(title) "
    printLine()
    printLine(heading + String(repeating: "=", count: max(3, 78 - heading.count)))
}

/// Plain-text number formats used in every table.
enum Format {
    /// `value` with a fixed count of decimals, or `n/a` when it is not a number.
    static func number(_ value: Double, decimals: Int = 1) -> String {
        value.isNaN ? "n/a" : ReplyText.fixed(value, decimals: decimals)
    }

    /// An integer with thousands separated by commas: `1,761,439`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// A rate rounded to a whole number and grouped: `72,431`.
    static func rate(_ value: Double) -> String {
        value.isFinite ? grouped(Int(value.rounded())) : "n/a"
    }

    /// The smallest and largest samples as `low..high`.
    static func range(_ samples: Samples, decimals: Int = 1) -> String {
        let low = number(samples.minimum, decimals: decimals)
        return "\(low)..\(number(samples.maximum, decimals: decimals))"
    }

    /// Rates computed from samples as `low..high`, grouped.
    static func rateRange(_ samples: Samples) -> String {
        "\(rate(samples.minimum))..\(rate(samples.maximum))"
    }

    /// Kibibytes as megabytes of 10^6 bytes, one decimal.
    static func megabytes(kilobytes: Int?) -> String {
        guard let kilobytes else { return "n/a" }
        return number(Double(kilobytes) * 1024 / 1e6)
    }
}

/// A table printed with aligned columns: the first column left-aligned, the others right-aligned.
struct TextTable {
    /// The column titles.
    let headers: [String]
    private var rows: [[String]] = []

    /// A table with the given column titles.
    init(_ headers: [String]) {
        self.headers = headers
    }

    /// Adds a row; missing cells print empty and extra cells are dropped.
    mutating func add(_ cells: [String]) {
        rows.append(Array(cells.prefix(headers.count)))
    }

    /// Writes the header line and every row to standard output.
    func print() {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }

        func line(_ cells: [String]) -> String {
            var text = ""
            for column in headers.indices {
                let cell = column < cells.count ? cells[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                text += column == 0 ? cell + padding : "  " + padding + cell
            }
            while text.last == " " { text.removeLast() }
            return text
        }

        printLine(line(headers))
        for row in rows { printLine(line(row)) }
    }
}

/// A figure compared with its target in the closing summary.
struct TargetCheck {
    /// What a figure must do to meet its target.
    enum Goal {
        case atMost(Double)
        case atLeast(Double)
        /// Reported for context, with no target.
        case none
    }

    /// What was measured, such as `load, synthetic, best`.
    let name: String
    /// The measured value; `nan` when it could not be measured.
    let value: Double
    /// The unit printed after the value and the target, such as `ms`.
    let unit: String
    /// What the value must do to meet its target.
    let goal: Goal
    /// Decimals to print the value and the target with; 0 prints a grouped whole number.
    var decimals = 1

    /// `ok`, `MISS`, `n/a` for a value not measured, or `-` without a target.
    var verdict: String {
        guard !value.isNaN else { return "n/a" }
        switch goal {
        case .atMost(let limit): return value <= limit ? "ok" : "MISS"
        case .atLeast(let floor): return value >= floor ? "ok" : "MISS"
        case .none: return "-"
        }
    }

    /// The target as the summary prints it, such as `<= 150 ms`.
    var targetText: String {
        switch goal {
        case .atMost(let limit): return "<= " + figure(limit)
        case .atLeast(let floor): return ">= " + figure(floor)
        case .none: return "-"
        }
    }

    /// The value with its unit.
    var valueText: String {
        value.isNaN ? "n/a" : figure(value)
    }

    /// A number with the check's decimals and its unit, if it has one.
    private func figure(_ number: Double) -> String {
        let text = decimals == 0 ? Format.rate(number) : Format.number(number, decimals: decimals)
        return unit.isEmpty ? text : text + " " + unit
    }
}

/// The figures gathered for the closing summary, in the order they were measured.
struct BenchSummary {
    private(set) var checks: [TargetCheck] = []

    /// Adds a figure to the summary.
    mutating func record(_ check: TargetCheck) {
        checks.append(check)
    }

    /// Prints the summary table and how many targets were met.
    func print() {
        printSection("summary")
        var table = TextTable(["figure", "value", "target", "result"])
        for check in checks {
            table.add([check.name, check.valueText, check.targetText, check.verdict])
        }
        table.print()
        let judged = checks.filter { $0.verdict == "ok" || $0.verdict == "MISS" }
        let met = judged.filter { $0.verdict == "ok" }.count
        printLine("targets met: \(met) of \(judged.count)")
    }
}
