import CMalloc
import Glibc

/// Allocator settings for a process that repeatedly builds and frees buffers of tens of
/// megabytes, as every full retrain does.
public enum MemoryTuning {
    /// Bytes from which glibc's malloc serves a request with its own mapping.
    public static let mappingThreshold: Int32 = 1 << 20

    /// Fixes glibc's mmap threshold at 1 MiB and trims the heap above 4 MiB of free space.
    ///
    /// By default glibc raises the threshold each time a large mapped block is freed, so the
    /// buffers of later retrains come from the heap, where the freed ones are seldom given
    /// back: on the bundled data, resident memory between retrains crept from 140 MB to
    /// 290 MB. With a fixed threshold a large buffer that free heap space cannot hold gets a
    /// mapping of its own, returned to the system when freed; between retrains jesterd then
    /// stayed at 105 to 125 MB. Returns whether glibc took both settings.
    @discardableResult
    public static func applyForLargeBuffers() -> Bool {
        let mapping = mallopt(M_MMAP_THRESHOLD, mappingThreshold)
        let trimming = mallopt(M_TRIM_THRESHOLD, 4 << 20)
        return mapping == 1 && trimming == 1
    }
}
