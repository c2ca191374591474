import Glibc

/// Runs `body(chunk)` for every chunk in `0..<chunks` on threads of its own and returns when all
/// have finished; chunk 0 runs on the calling thread.
///
/// Training uses it to share independent work (disjoint users) between cores. Each chunk writes
/// only its own part of the output, so results do not depend on the thread count or timing.
func runInParallel(chunks: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard chunks > 1 else {
        if chunks == 1 { body(0) }
        return
    }
    var threads: [pthread_t] = []
    for chunk in 1..<chunks {
        let box = Unmanaged.passRetained(ChunkBody { body(chunk) }).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<ChunkBody>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, box)
        if started == 0 {
            threads.append(thread)
        } else {
            Unmanaged<ChunkBody>.fromOpaque(box).takeRetainedValue().run()
        }
    }
    body(0)
    for thread in threads { pthread_join(thread, nil) }
}

private final class ChunkBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
