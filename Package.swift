// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

// Numeric code in a debug build runs 10 to 50 times slower; the core is optimised
// even in debug builds so that `swift test` trains on real data in seconds.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "jester",
    products: [
        .executable(name: "jesterd", targets: ["jesterd"]),
        .executable(name: "jesterctl", targets: ["jesterctl"]),
        .executable(name: "jester-bench", targets: ["jester-bench"]),
    ],
    targets: [
        // Debian's libsystemd-dev: sd_notify, sd_listen_fds and sd_journal_sendv.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // glibc's mallopt(3), to keep memory from creeping across retrains.
        .systemLibrary(name: "CMalloc"),
        // Data, models, training and the query protocol. No I/O policy, no clock.
        .target(
            name: "JesterCore",
            swiftSettings: strictSettings + optimizedInDebug
        ),
        // Every syscall: files, Unix sockets, threads, signals, logging, libsystemd.
        .target(
            name: "JesterSystem",
            dependencies: ["JesterCore", "CSystemd", "CMalloc"],
            swiftSettings: strictSettings
        ),
        // Generated data and helpers shared by the tests and the benchmark.
        .target(
            name: "JesterTestSupport",
            dependencies: ["JesterCore"],
            swiftSettings: strictSettings + optimizedInDebug
        ),
        .executableTarget(
            name: "jesterd",
            dependencies: ["JesterCore", "JesterSystem"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "jesterctl",
            dependencies: ["JesterCore", "JesterSystem"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "jester-bench",
            dependencies: ["JesterCore", "JesterSystem", "JesterTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JesterCoreTests",
            dependencies: ["JesterCore", "JesterTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JesterSystemTests",
            dependencies: ["JesterCore", "JesterSystem", "JesterTestSupport"],
            swiftSettings: strictSettings
        ),
        // Plays the service manager: notify socket, socket activation, units, install tree.
        .testTarget(
            name: "SystemdTests",
            dependencies: [
                "jesterd", "jesterctl", "JesterCore", "JesterSystem", "JesterTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LiveDataTests",
            dependencies: ["jesterd", "jesterctl", "JesterCore", "JesterSystem", "JesterTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["jesterd", "jesterctl", "JesterTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
