import Glibc
import JesterSystem
import Testing

/// The allocator tuning jesterd applies at start.
///
/// Whether a given block then comes from a mapping of its own depends on the free space the
/// rest of this process left in its arena, so the effect itself is measured by jester-bench
/// (jesterd's memory across retrains), not asserted here.
struct MemoryTuningTests {
    @Test func glibcTakesBothSettings() {
        #expect(MemoryTuning.applyForLargeBuffers())
        // A second call is as good as the first.
        #expect(MemoryTuning.applyForLargeBuffers())
    }
}
