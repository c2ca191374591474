/// Text and JSON renderings of evaluation rows.
public enum EvaluationTable {
    static let headers = ["model", "RMSE", "MAE", "NMAE", "nDCG@10", "P@5", "train s"]

    /// An aligned plain-text table, one row per model, numbers right-aligned; a figure that
    /// is not defined (such as P@5 when no user has five test ratings) prints as `-`.
    public static func text(_ rows: [EvaluationRow]) -> String {
        let cells = [headers] + rows.map { row in
            [
                row.model.description,
                fixed(row.metrics.rmse, 4),
                fixed(row.metrics.mae, 4),
                fixed(row.metrics.nmae, 4),
                fixed(row.metrics.ndcgAt10, 4),
                fixed(row.metrics.precisionAt5, 4),
                fixed(row.trainingSeconds, 2),
            ]
        }
        let widths = headers.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { line in
            line.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// A JSON object: the split's counts and one object per row; undefined figures are null.
    public static func json(_ rows: [EvaluationRow], split: EvaluationSplit, splitName: String) -> String {
        var text = "{\"split\":\"\(splitName)\",\"training\":\(split.training.count),"
        text += "\"test\":\(split.test.count),\"dropped\":\(split.droppedCount),\"models\":["
        text += rows.map { row in
            let metrics = row.metrics
            let fields = [
                "\"model\":\"\(row.model.description)\"",
                "\"rmse\":\(number(metrics.rmse))",
                "\"mae\":\(number(metrics.mae))",
                "\"nmae\":\(number(metrics.nmae))",
                "\"ndcg_at_10\":\(number(metrics.ndcgAt10))",
                "\"precision_at_5\":\(number(metrics.precisionAt5))",
                "\"ndcg_users\":\(metrics.ndcgUsers)",
                "\"precision_users\":\(metrics.precisionUsers)",
                "\"validation_rmse\":\(number(row.validationRMSE ?? .nan))",
                "\"train_seconds\":\(number(row.trainingSeconds))",
            ]
            return "{" + fields.joined(separator: ",") + "}"
        }.joined(separator: ",")
        return text + "]}\n"
    }

    /// `value` with `decimals` digits after the point, rounded half away from zero; `-` for
    /// NaN or infinity.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        return ReplyText.fixed(value, decimals: decimals)
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}
