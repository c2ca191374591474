import Glibc
import JesterSystem
import Testing

/// DirectoryWatcher on real directories: every wait is bounded and none is a fixed sleep.
struct DirectoryWatcherTests {
    /// A started watcher on `directory` and the recorder of what it reports.
    private func watch(_ directory: String) throws -> (DirectoryWatcher, EventRecorder) {
        let watcher = try DirectoryWatcher(path: directory, retryInterval: 0.05)
        try watcher.start()
        return (watcher, EventRecorder.recording(watcher))
    }

    @Test func appendingToAFileReportsItChanged() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        try write(directory + "/ratings-a.dat", ratingLine(1, 2, 3))
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try append(directory + "/ratings-a.dat", ratingLine(1, 3, 4))
        #expect(await recorder.first(.changed("ratings-a.dat")) != nil)
    }

    @Test func creatingAFileReportsItChanged() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try write(directory + "/ratings-new.dat", ratingLine(1, 2, 3))
        #expect(await recorder.first(.changed("ratings-new.dat")) != nil)
    }

    @Test func aFileRenamedIntoTheDirectoryReportsItChanged() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        let outside = scratch.file("ratings-outside.dat")
        try write(outside, ratingLine(1, 2, 3))
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try move(outside, directory + "/ratings-in.dat")
        let index = await recorder.first(.changed("ratings-in.dat"))
        #expect(index != nil)
        #expect(!(await recorder.events).contains(.changed("ratings-outside.dat")))
    }

    @Test func deletingAFileReportsItRemoved() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        try write(directory + "/ratings-a.dat", ratingLine(1, 2, 3))
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try remove(directory + "/ratings-a.dat")
        #expect(await recorder.first(.removed("ratings-a.dat")) != nil)
    }

    @Test func movingAFileOutReportsItRemoved() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        try write(directory + "/ratings-a.dat", ratingLine(1, 2, 3))
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try move(directory + "/ratings-a.dat", scratch.file("ratings-a.dat"))
        #expect(await recorder.first(.removed("ratings-a.dat")) != nil)
    }

    @Test func aRemovedDirectoryIsReportedLostThenReturnedAndWatchedAgain() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        try write(directory + "/ratings-a.dat", ratingLine(1, 2, 3))
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try remove(directory + "/ratings-a.dat")
        #expect(rmdir(directory) == 0)
        let removed = await recorder.first(.removed("ratings-a.dat"))
        let lost = try #require(await recorder.first(.directoryLost))
        #expect(removed.map { $0 < lost } == true)

        #expect(mkdir(directory, 0o755) == 0)
        let returned = try #require(await recorder.first(.directoryReturned, from: lost))

        try write(directory + "/ratings-b.dat", ratingLine(4, 5, 6))
        #expect(await recorder.first(.changed("ratings-b.dat"), from: returned) != nil)
    }

    @Test func aReplacedDirectoryIsWatchedAtItsPathAndTheOldOneIsLetGo() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        let (watcher, recorder) = try watch(directory)
        defer { watcher.stop() }

        try move(directory, scratch.file("old"))
        let lost = try #require(await recorder.first(.directoryLost))
        #expect(mkdir(directory, 0o755) == 0)
        let returned = try #require(await recorder.first(.directoryReturned, from: lost))

        // Events are queued in order, so an event for the old directory, were it still
        // watched, would come before the one for the new directory.
        try write(scratch.file("old/ratings-old.dat"), ratingLine(1, 2, 3))
        try write(directory + "/ratings-new.dat", ratingLine(4, 5, 6))
        let fresh = try #require(await recorder.first(.changed("ratings-new.dat"), from: returned))
        let seen = await recorder.events[lost...fresh]
        #expect(!seen.contains(.changed("ratings-old.dat")), "\(seen)")
    }

    @Test func stoppingFinishesTheEventStream() async throws {
        let scratch = try Scratch()
        let directory = try scratch.makeDirectory("w")
        let watcher = try DirectoryWatcher(path: directory, retryInterval: 0.05)
        try watcher.start()
        let stream = watcher.events
        watcher.stop()

        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream {}
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished)
    }

    @Test func aMissingDirectoryCannotBeWatched() throws {
        let scratch = try Scratch()
        let watcher = try DirectoryWatcher(path: scratch.file("absent"), retryInterval: 0.05)
        #expect(throws: SystemError.self) { try watcher.start() }
    }
}

/// Open pipe descriptors of this process, from /proc/self/fd.
private func openPipes() -> Int {
    let names = (try? Files.list("/proc/self/fd")) ?? []
    return names.filter { name in
        var target = [CChar](repeating: 0, count: 256)
        let count = readlink("/proc/self/fd/" + name, &target, target.count - 1)
        guard count > 0 else { return false }
        let text = String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.hasPrefix("pipe:")
    }.count
}

extension OneAtATime {
    @Suite struct DirectoryWatcherResourceTests {
        /// jesterd makes one watcher per start, but a library user may make many.
        @Test func stoppedWatchersCloseTheirDescriptors() async throws {
            let scratch = try Scratch()
            let directory = try scratch.makeDirectory("w")
            let before = openPipes()
            for _ in 0..<50 {
                let watcher = try DirectoryWatcher(path: directory, retryInterval: 0.05)
                try watcher.start()
                let events = watcher.events
                watcher.stop()
                for await _ in events {}
            }
            let after = openPipes()
            // Other suites running meanwhile hold a few pipes of their own.
            #expect(after - before < 30, "\(after - before) more pipes after 50 watchers")
        }
    }
}
