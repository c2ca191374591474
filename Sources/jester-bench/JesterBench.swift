import Glibc

/// The benchmark of jesterd's loading, training and query serving.
///
/// Exits 0 whatever the figures: a missed target is reported in the summary, never fatal.
/// Exits 64 for a bad command line and 73 when its temporary files cannot be made.
@main
enum JesterBench {
    /// Parses the command line, runs the benchmark or the memory probe, and exits.
    static func main() {
        // A client write to a closed connection must fail with EPIPE, not kill the bench.
        signal(SIGPIPE, SIG_IGN)

        let options: BenchOptions
        do {
            options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            printError("jester-bench: \(error.message)\n\(BenchOptions.usage)\n")
            exit(64)
        }

        switch options.action {
        case .help:
            printLine(BenchOptions.help)
            exit(0)
        case .memoryProbe(let directory, let training):
            exit(MemoryProbe.run(directory: directory, training: training))
        case .run:
            break
        }

        let started = monotonicNanoseconds()
        var run = BenchRun(options: options)
        let status = run.run()
        let elapsed = seconds(from: started, to: monotonicNanoseconds())
        printLine("run time: \(Format.number(elapsed)) s")
        exit(status)
    }

    private static func printError(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
