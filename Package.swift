// swift-tools-version: 6.1
//
// Data flow, one module per stage:
//   MQTT (libmosquitto) → Ingest's RingRecorder → MessageRing (lock-free, mmap) → Ingest's consumer
//   (Telemetry decodes, DeviceRegistry resolves) → Ingest's writer pool → Postgres (libpq COPY)
// beside it: Presence, Commands, Alerts (with Operators); Gateway only wires them as services under one lifecycle.
import PackageDescription

let package = Package(
    name: "mash-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mash-gateway", targets: ["MashGatewayCLI"]),
        .executable(name: "mash-bench", targets: ["MashBench"]),
    ],
    dependencies: [
        // Structured, injectable logging; the server ecosystem's common API.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Subcommands, typed options and generated --help for the CLI.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Ordered start-up and graceful shutdown of long-running services on SIGTERM/SIGINT.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // YAML configuration files.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // UnsafeAtomic over memory we map ourselves (the ring's indices live in a shared file mapping,
        // where the standard library's Atomic, which must own its storage, cannot go).
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        // Counters, gauges and timers behind one API; swift-prometheus renders them for GET /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // HTTP/1.1 for /metrics, /healthz and /readyz: keep-alive, HEAD, bounded requests, a Service under the lifecycle.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        // MARK: C libraries, wrapped thinly and kept apart from logic.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // URL syntax and password redaction, shared by both clients and the configuration checks.
        .target(name: "ConnectionURL"),
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", "CReadBuffer", "ConnectionURL", .product(name: "Logging", package: "swift-log")]
        ),
        // libmosquitto's socket reads, buffered (see include/read_buffer.h); linked with MQTT.
        .target(name: "CReadBuffer"),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "ConnectionURL"]
        ),

        // MARK: Wall-clock instants and calendar dates, for every module that stores or prints time.
        .target(name: "WallTime"),

        // MARK: Configuration and schema.
        .target(
            name: "GatewayConfig",
            // Postgres for libpq's URL parser: check-config accepts exactly the URLs a connection accepts.
            // Telemetry for the names of the device conventions (ingest.conventions).
            dependencies: ["ConnectionURL", "Postgres", "Telemetry", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(name: "EmbedMigrationsTool", path: "Sources/EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]
        ),
        .target(
            name: "SchemaMigrations",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            plugins: ["EmbedMigrations"]
        ),

        // MARK: The ingest path.
        .target(name: "Telemetry", dependencies: ["WallTime"]),
        .target(
            name: "MessageRing",
            dependencies: [.product(name: "Atomics", package: "swift-atomics")]
        ),

        .target(
            name: "DeviceRegistry",
            dependencies: ["Postgres", "Telemetry", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "Postgres", "Telemetry", "MessageRing", "DeviceRegistry", "GatewayConfig", "WallTime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: Beside the ingest path: presence, commands and alerts, each a worker fed by a mailbox.
        // The hand-over between threads: producers never wait, one consumer takes all at once.
        .target(name: "Mailboxes"),
        // What the gateway publishes: written with its cause, published in order once the broker takes it.
        .target(
            name: "Outbox",
            dependencies: [
                "Postgres", "GatewayConfig", "Mailboxes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Presence",
            dependencies: [
                "Postgres", "GatewayConfig", "DeviceRegistry", "WallTime", "Mailboxes", "Outbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Operator users, their authorisation, the audit trail and the answers on
        // operators/{operator}/responses: shared by commands and alerts.
        .target(name: "Operators", dependencies: ["Postgres"]),
        .target(
            name: "Commands",
            dependencies: [
                "Postgres", "GatewayConfig", "DeviceRegistry", "Operators", "WallTime", "Mailboxes", "Outbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        .target(
            name: "Alerts",
            dependencies: [
                "Postgres", "GatewayConfig", "DeviceRegistry", "Operators", "WallTime", "Mailboxes", "Outbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: A simulated device fleet, for demos, load and soak tests.
        .target(
            name: "Simulator",
            dependencies: ["MQTT", "ConnectionURL", "Postgres", "Telemetry", .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: The operator's one-shot commands: device provisioning and the status screen.
        .target(name: "Administration", dependencies: ["Postgres", "Operators", "Telemetry", "WallTime"]),

        // MARK: The daemon.
        .target(
            name: "Gateway",
            dependencies: [
                "MQTT", "Postgres", "GatewayConfig", "SchemaMigrations", "Telemetry",
                "DeviceRegistry", "Ingest", "Presence", "Commands", "Alerts", "WallTime", "Mailboxes", "Outbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "MashGatewayCLI",
            dependencies: [
                "Gateway", "GatewayConfig", "SchemaMigrations", "Postgres", "Simulator", "Administration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Benchmarks: a command that prints numbers (`swift run -c release mash-bench`).
        .executableTarget(
            name: "MashBench",
            dependencies: ["Telemetry", "WallTime", "MessageRing", "Postgres", "MQTT", "Ingest", "GatewayConfig", "Simulator", "TestSupport",
                           "CMosquitto"]
        ),

        // MARK: Tests. TestSupport starts a private mosquitto and PostgreSQL on loopback.
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "SchemaMigrations", "MQTT", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConnectionURLTests", dependencies: ["ConnectionURL"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "CReadBuffer", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(
            name: "GatewayConfigTests",
            dependencies: ["GatewayConfig", "ConnectionURL", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "SchemaMigrationsTests", dependencies: ["SchemaMigrations", "Postgres", "TestSupport"]),
        .testTarget(name: "WallTimeTests", dependencies: ["WallTime"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", "WallTime"]),
        .testTarget(name: "MessageRingTests", dependencies: ["MessageRing", "TestSupport"]),
        .testTarget(name: "MailboxesTests", dependencies: ["Mailboxes"]),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", "Postgres", "TestSupport"]),
        .testTarget(name: "DeviceRegistryTests", dependencies: ["DeviceRegistry", "Postgres", "TestSupport"]),
        .testTarget(
            name: "IngestTests",
            dependencies: ["Ingest", "Telemetry", "MessageRing", "DeviceRegistry", "WallTime", "GatewayConfig", "Postgres", "TestSupport"]
        ),
        .testTarget(name: "PresenceTests", dependencies: ["Presence", "WallTime", "Postgres", "TestSupport"]),
        .testTarget(name: "AlertsTests", dependencies: ["Alerts", "Operators", "WallTime", "Postgres", "TestSupport"]),
        .testTarget(name: "OperatorsTests", dependencies: ["Operators"]),
        .testTarget(name: "AdministrationTests", dependencies: ["Administration", "Postgres", "TestSupport"]),
        .testTarget(name: "CommandsTests", dependencies: ["Commands", "WallTime", "Postgres", "TestSupport"]),
        .testTarget(
            name: "GatewayTests",
            // MashGatewayCLI is not imported: it makes `swift build --build-tests` build the binary these tests run.
            dependencies: ["MashGatewayCLI", "Gateway", "MQTT", "Postgres", "TestSupport", .product(name: "Yams", package: "Yams")]
        ),
        // The chaos run's pure parts, and the short chaos run CI makes with the built `mash-bench`.
        .testTarget(name: "MashBenchTests", dependencies: ["MashBench", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
