import Glibc
import JesterSystem
import Testing

/// Files on real files in a temporary directory.
struct FilesTests {
    @Test func readsAWholeFile() throws {
        let directory = try TemporaryDirectory()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try directory.write("big.bin", bytes)
        #expect(try Files.read(directory.file("big.bin")) == bytes)
    }

    @Test func readsAnEmptyFileAsNoBytes() throws {
        let directory = try TemporaryDirectory()
        try directory.write("empty.dat", [])
        #expect(try Files.read(directory.file("empty.dat")).isEmpty)
    }

    /// A file whose size says 0 but that holds more, as /proc files do, is read in chunks
    /// to its end.
    @Test func readsPastTheSizeAFileReported() throws {
        var status = stat()
        #expect(stat("/proc/self/status", &status) == 0)
        #expect(status.st_size == 0)
        let text = String(decoding: try Files.read("/proc/self/status"), as: UTF8.self)
        #expect(text.hasPrefix("Name:"))
        #expect(text.contains("\nVmRSS:"))
        #expect(text.hasSuffix("\n"))
    }

    @Test func reportsAMissingFileWithTheCallAndErrno() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing.dat")
        let error = #expect(throws: SystemError.self) { try Files.read(path) }
        #expect(error?.call == "open")
        #expect(error?.errno == ENOENT)
        #expect(error?.subject == path)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test func listsNamesSortedBytewiseWithoutDotEntries() throws {
        let directory = try TemporaryDirectory()
        for name in ["b.dat", "a.dat", "B.dat", "_x", "10", "9", ".hidden", "é"] {
            try directory.write(name, "x")
        }
        #expect(mkdir(directory.file("sub"), 0o755) == 0)
        #expect(try Files.list(directory.path)
            == [".hidden", "10", "9", "B.dat", "_x", "a.dat", "b.dat", "sub", "é"])
    }

    @Test func reportsAMissingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nowhere")
        #expect(throws: SystemError("opendir", errno: ENOENT, subject: path)) {
            try Files.list(path)
        }
    }

    @Test func tellsFilesFromDirectories() throws {
        let directory = try TemporaryDirectory()
        try directory.write("f", "x")
        #expect(Files.isRegularFile(directory.file("f")))
        #expect(!Files.isDirectory(directory.file("f")))
        #expect(Files.isDirectory(directory.path))
        #expect(!Files.isRegularFile(directory.path))
        #expect(!Files.isRegularFile(directory.file("none")))
    }
}
