import Glibc
import JesterCore
import JesterSystem

/// How far a memory probe goes after loading.
enum ProbeTraining: String, Sendable, Equatable {
    /// Loading only.
    case none = "load"
    /// The default training, as jesterd runs it.
    case full = "train"
    /// The default model capped at two epochs: the same allocations in less time.
    case short = "train-short"
}

/// Measures memory in a fresh copy of the bench, as jesterd would use it.
///
/// Memory figures taken in the bench's own process after many timed runs would count heap the
/// allocator kept from those runs, and its peak would include the generation of the synthetic
/// file. So the bench runs itself again with `--memory-probe`, and that child loads the data
/// directory once, optionally trains the default model and builds its snapshot, and prints its
/// VmRSS and VmHWM after each stage.
enum MemoryProbe {
    /// Runs the probe in this process, printing one ``ProbeStage`` line per stage.
    ///
    /// - Returns: The exit status: 0, or 66 when the directory cannot be loaded.
    static func run(directory: String, training: ProbeTraining) -> Int32 {
        // As jesterd does at start.
        MemoryTuning.applyForLargeBuffers()
        guard let start = MemoryStatus.current() else { return 71 }
        printLine(ProbeStage(name: "start", memory: start, seconds: 0).reportLine)

        let (loaded, loadSeconds) = timed { try? DataDirectory(path: directory).load() }
        guard let data = loaded, let afterLoad = MemoryStatus.current() else { return 66 }
        printLine(ProbeStage(name: "loaded", memory: afterLoad, seconds: loadSeconds).reportLine)
        guard training != .none else { return 0 }

        // As the daemon does: train the default model, then publish a snapshot of it with the
        // rating set. The training copies are gone once training returns.
        var configuration = ModelConfiguration()
        if training == .short { configuration.factor.maxEpochs = 2 }
        let (trained, trainSeconds) = timed { configuration.train(on: data.ratings) }
        guard let afterTraining = MemoryStatus.current() else { return 71 }
        printLine(ProbeStage(
            name: "trained",
            memory: afterTraining,
            seconds: trainSeconds
        ).reportLine)

        let (snapshot, publishSeconds) = timed {
            makeSnapshot(
                of: trained,
                kind: configuration.kind,
                data: data,
                catalog: data.catalog,
                trainingSeconds: trainSeconds
            )
        }
        guard let afterPublishing = MemoryStatus.current() else { return 71 }
        printLine(ProbeStage(
            name: "published",
            memory: afterPublishing,
            seconds: publishSeconds
        ).reportLine)
        withExtendedLifetime(snapshot) {}
        return 0
    }

    /// Runs the probe in a child process and collects its stages.
    ///
    /// - Returns: The stages the child reported, in order, or `nil` when it could not be started
    ///   or failed.
    static func measure(directory: String, training: ProbeTraining) -> [ProbeStage]? {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        defer { close(pipeEnds[0]) }
        // Glibc does not export pipe2, so close-on-exec is set apart; nothing else spawns
        // meanwhile, as the bench runs its sections on one thread.
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)

        // The child's stdout is the pipe's write end; dup2 clears close-on-exec on the copy.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)

        let arguments = ["jester-bench", "--memory-probe", training.rawValue, directory]
        let argumentPointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argumentPointers { free(pointer) } }
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        var child = pid_t()
        let spawned = posix_spawn(
            &child,
            "/proc/self/exe",
            &actions,
            nil,
            argumentPointers,
            environment
        )
        close(pipeEnds[1])
        guard spawned == 0 else { return nil }

        let output = readToEnd(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS are macros Swift does not import: exited normally when the
        // low seven bits are zero, with the status in the next eight.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else { return nil }

        let stages = String(decoding: output, as: UTF8.self)
            .split(separator: "\n")
            .compactMap(ProbeStage.init(reportLine:))
        return stages.isEmpty ? nil : stages
    }

    /// Reads a descriptor until end of file (read(2), EINTR retried).
    private static func readToEnd(_ descriptor: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                read(descriptor, $0.baseAddress, $0.count)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return output }
            output.append(contentsOf: buffer[..<count])
        }
    }
}
