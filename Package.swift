// swift-tools-version:6.1
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "btms-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bmgw", targets: ["bmgw"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C libraries (Debian packages libmodbus-dev, libsqlite3-dev).
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // net-snmp's agent behind a plain-C API (its headers clash with Foundation's).
        .target(name: "CNetSNMPShim",
                linkerSettings: [.linkedLibrary("netsnmpagent"), .linkedLibrary("netsnmp")]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // glibc's <malloc.h> (malloc_trim), not in Swift's Glibc module.
        .systemLibrary(name: "CMalloc"),

        // Topology, measurements, live model, aggregates (no I/O).
        .target(name: "BatteryModel", swiftSettings: settings),
        // YAML reading with file/key/line context in every error.
        .target(name: "ConfigSupport", dependencies: ["Yams", "BatteryModel"], swiftSettings: settings),
        // Register maps as data: parsing, block planning, decoding and encoding.
        // The shipped maps are compiled in (Shipped/ links to config/registermaps/), so a configuration anywhere finds them.
        .target(name: "RegisterMap", dependencies: ["BatteryModel", "ConfigSupport"],
                resources: [.embedInCode("Shipped/bmc-v1.yaml")], swiftSettings: settings),
        // The gateway configuration file.
        .target(name: "GatewayConfig", dependencies: ["BatteryModel", "ConfigSupport", "RegisterMap"], swiftSettings: settings),
        // What every service shares: the bounded service loop, worker threads for blocking C calls, coded errors.
        .target(name: "ServiceSupport", dependencies: [
            "BatteryModel", "CMalloc",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // Owner of libmodbus contexts, shared by the poller and the simulator.
        .target(name: "ModbusCore", dependencies: ["CModbus"], swiftSettings: settings),
        // Polling controllers into the live model.
        .target(name: "Acquisition", dependencies: [
            "BatteryModel", "RegisterMap", "GatewayConfig", "ModbusCore", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // Battery plant physics behind a real Modbus TCP/RTU server.
        .target(name: "Simulator", dependencies: [
            "BatteryModel", "RegisterMap", "ModbusCore", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // SQLite history: schema, recorder, rollups, retention, queries.
        .target(name: "Storage", dependencies: [
            "BatteryModel", "CSQLite", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // Backup archives (tar, manifest with SHA-256, SQLite online backup) and their restore.
        .target(name: "Backup", dependencies: [
            "Storage", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: settings),
        // Alarm engine over the live model, discharge detection, lifecycle in SQLite.
        .target(name: "Alarms", dependencies: [
            "BatteryModel", "Storage", "GatewayConfig", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // Battery analytics: IEEE 450 discharge reports and each cell's remaining life.
        .target(name: "Analytics", dependencies: [
            "BatteryModel", "Storage", "Alarms", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // libcurl's one owner: global set-up, easy handles, callbacks (e-mail, HTTP SMS, the web benchmark).
        .target(name: "CurlClient", dependencies: ["CCurl"], swiftSettings: settings),
        // E-mail (libcurl SMTP) and SMS (AT modem, HTTP gateway): batching, delivery log, retries.
        .target(name: "Notifications", dependencies: [
            "CCurl", "CurlClient", "BatteryModel", "Storage", "GatewayConfig", "Alarms", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // SNMP agent on net-snmp: the BTMS-GATEWAY-MIB served from the live model.
        .target(name: "SNMPAgent", dependencies: [
            "CNetSNMPShim", "BatteryModel", "Storage", "Alarms", "GatewayConfig", "ServiceSupport", "Analytics",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // MQTT uplink on libmosquitto: payloads, the durable outbox's replay, TLS, reconnects.
        // Sparkplug B 3.0's payload types: generated once by protoc from proto/sparkplug_b.proto (scripts/generate-sparkplug.sh).
        .target(name: "SparkplugProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Sparkplug B payloads of the plant and the edge node's session.
        .target(name: "Sparkplug", dependencies: [
            "BatteryModel", "SparkplugProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], swiftSettings: settings),
        .target(name: "Uplink", dependencies: [
            "CMosquitto", "CSQLite", "BatteryModel", "Storage", "Alarms", "GatewayConfig", "ServiceSupport", "Sparkplug", "Analytics",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // HTTPS web UI and JSON API (Hummingbird 2, swift-nio-ssl): users, sessions, pages.
        .target(name: "WebUI", dependencies: [
            "BatteryModel", "Storage", "GatewayConfig", "ConfigSupport", "Alarms", "Notifications", "RemoteAccess", "Analytics", "Backup",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // The Prometheus exposition of /metrics (swift-prometheus): the plant and the gateway's health.
        .target(name: "MetricsExport", dependencies: [
            "BatteryModel", .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: settings),
        // Modbus/TCP Security remote access: TLS listener (swift-nio-ssl), the gateway's small CA
        // (swift-certificates), roles, routing through the acquisition links, audit.
        .target(name: "RemoteAccess", dependencies: [
            "GatewayConfig", "RegisterMap", "ModbusCore", "Storage",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // Network and time settings as systemd/chrony files, and the apply command.
        .target(name: "SystemFiles", dependencies: [
            "GatewayConfig", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: settings),
        // The status socket (`bmgw status`, `bmgw limits`) and the document it serves.
        .target(name: "StatusServer", dependencies: [
            "BatteryModel", "Uplink", "ServiceSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // The assembled gateway: one live model and the services around it, reload, settings.
        .target(name: "GatewayServices", dependencies: [
            "BatteryModel", "GatewayConfig", "ConfigSupport", "RegisterMap", "Acquisition", "Simulator", "Storage", "Alarms",
            "Notifications", "SNMPAgent", "Uplink", "WebUI", "StatusServer", "SystemFiles", "RemoteAccess", "MetricsExport", "Analytics",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // `bmgw bench`: full-size figures; links libcurl, calls libmosquitto and libmodbus directly.
        .target(name: "Benchmarks", dependencies: [
            "BatteryModel", "GatewayConfig", "RegisterMap", "Acquisition", "Simulator", "Storage", "ModbusCore", "Alarms",
            "Uplink", "WebUI", "GatewayServices", "CurlClient", "CCurl", "CMosquitto", "Sparkplug", "Analytics", "SNMPAgent", "StatusServer",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        // The CLI: commands and their terminal tables (testable without the executable).
        .target(name: "GatewayApp", dependencies: [
            "BatteryModel", "GatewayConfig", "RegisterMap", "Simulator", "Storage", "Alarms", "Notifications", "Uplink", "WebUI",
            "GatewayServices", "StatusServer", "Benchmarks", "RemoteAccess", "Analytics", "Backup", "ServiceSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
        .executableTarget(name: "bmgw", dependencies: ["GatewayApp"], swiftSettings: settings),

        // Helpers shared by the test targets (they all run in one process): ports, peers' output.
        .target(name: "TestSupport", dependencies: ["BatteryModel", "Storage", "Alarms"], path: "Tests/TestSupport", swiftSettings: settings),
        .testTarget(name: "BatteryModelTests", dependencies: ["BatteryModel"], swiftSettings: settings),
        .testTarget(name: "RegisterMapTests", dependencies: ["RegisterMap", "BatteryModel", "ConfigSupport"], swiftSettings: settings),
        .testTarget(name: "GatewayConfigTests", dependencies: ["TestSupport", "GatewayConfig", "ConfigSupport", "BatteryModel"], swiftSettings: settings),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "BatteryModel", "RegisterMap", "ModbusCore"], swiftSettings: settings),
        .testTarget(name: "StorageTests", dependencies: ["TestSupport", "Storage", "BatteryModel"], swiftSettings: settings),
        .testTarget(name: "NotificationsTests", dependencies: ["TestSupport", "Notifications", "GatewayConfig", "Storage", "Alarms", "BatteryModel", "Simulator", "GatewayApp", "GatewayServices", "RegisterMap", "ModbusCore",
                                                         .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                    swiftSettings: settings),
        .testTarget(name: "UplinkTests", dependencies: ["TestSupport", "Uplink", "Storage", "BatteryModel", "Alarms", "GatewayConfig", "ServiceSupport", "Sparkplug", "SparkplugProto",
                                                       .product(name: "SwiftProtobuf", package: "swift-protobuf")], swiftSettings: settings),
        .testTarget(name: "SNMPAgentTests", dependencies: ["SNMPAgent", "GatewayConfig", "BatteryModel"], swiftSettings: settings),
        .testTarget(name: "WebUITests", dependencies: [
            "TestSupport", "WebUI", "ConfigSupport", "GatewayConfig", "BatteryModel", "Storage", "Notifications", "Alarms", "RemoteAccess",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: settings),
        .testTarget(name: "RemoteAccessUnitTests", dependencies: [
            "RemoteAccess", "RegisterMap", "GatewayConfig", "ConfigSupport", "Storage",
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "X509", package: "swift-certificates"),
        ], swiftSettings: settings),
        .testTarget(name: "AlarmsTests", dependencies: ["Alarms", "BatteryModel", "Storage", "GatewayConfig"], swiftSettings: settings),
        .testTarget(name: "AnalyticsTests", dependencies: ["TestSupport", "Analytics", "Alarms", "BatteryModel", "Storage"], swiftSettings: settings),
        .testTarget(name: "GatewayTests", dependencies: [
            "TestSupport", "GatewayApp", "GatewayServices", "StatusServer", "Alarms", "WebUI", "Notifications", "Acquisition", "Simulator", "Storage", "BatteryModel", "GatewayConfig", "RegisterMap", "ModbusCore", "Uplink", "RemoteAccess", "ServiceSupport",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: settings),
    ]
)
