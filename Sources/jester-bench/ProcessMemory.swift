import Glibc
import JesterSystem

/// The resident memory of this process, from `/proc/self/status`.
struct MemoryStatus: Sendable {
    /// VmRSS: resident now, in KiB.
    let residentKilobytes: Int
    /// VmHWM: the most ever resident, in KiB.
    let peakKilobytes: Int

    /// Reads the current figures; `nil` when `/proc/self/status` is unreadable or lacks them.
    static func current() -> MemoryStatus? { of("/proc/self/status") }

    /// The figures of another process.
    static func of(process: pid_t) -> MemoryStatus? { of("/proc/\(process)/status") }

    private static func of(_ path: String) -> MemoryStatus? {
        guard let bytes = try? Files.read(path) else { return nil }
        var resident: Int?
        var peak: Int?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { resident = kilobytes(in: line) }
            if line.hasPrefix("VmHWM:") { peak = kilobytes(in: line) }
        }
        guard let resident, let peak else { return nil }
        return MemoryStatus(residentKilobytes: resident, peakKilobytes: peak)
    }

    /// The number in a line such as `VmRSS:     81234 kB`.
    private static func kilobytes(in line: Substring) -> Int? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return fields.count >= 2 ? Int(fields[1]) : nil
    }
}

/// One line of a memory probe's report: a stage, its memory and the seconds it took.
struct ProbeStage: Sendable {
    /// `start`, `loaded`, `trained` or `published`.
    let name: String
    /// VmRSS and VmHWM once the stage was done.
    let memory: MemoryStatus
    /// The time the stage took; 0 for `start`.
    let seconds: Double

    /// The line the probe prints: `probe NAME RSS HWM SECONDS`.
    var reportLine: String {
        "probe \(name) \(memory.residentKilobytes) \(memory.peakKilobytes) \(seconds)"
    }

    /// Reads a line written by ``reportLine``.
    init?(reportLine line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count == 5, fields[0] == "probe",
              let resident = Int(fields[2]),
              let peak = Int(fields[3]),
              let seconds = Double(fields[4])
        else { return nil }
        name = String(fields[1])
        memory = MemoryStatus(residentKilobytes: resident, peakKilobytes: peak)
        self.seconds = seconds
    }

    /// A stage as the probe measured it.
    init(name: String, memory: MemoryStatus, seconds: Double) {
        self.name = name
        self.memory = memory
        self.seconds = seconds
    }
}
