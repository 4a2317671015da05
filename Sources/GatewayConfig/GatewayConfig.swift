public import BatteryModel
public import RegisterMap

/// The whole gateway configuration, validated (see docs/configuration.md).
public struct GatewayConfig: Sendable {
    /// Path of the file it was loaded from.
    public var file: String
    /// Stable id of this gateway (MQTT topics, MIB identity): letters, digits, '-' and '_'.
    public var gatewayId: String
    /// Folder for the database and runtime files (relative paths are resolved against the config file's folder).
    public var dataDirectory: String
    public var logLevel: String
    public var acquisition: AcquisitionSettings
    public var history: HistorySettings
    public var discharge = DischargeSettings()
    public var alarms = AlarmSettings()
    public var notifications = NotificationSettings()
    /// The SNMP agent; nil when the section is absent or disabled.
    public var snmp: SNMPSettings?
    /// The MQTT uplink; nil when the section is absent or disabled.
    public var mqtt: MQTTSettings?
    /// The HTTPS web UI; nil when the section is absent or disabled.
    public var web: WebSettings?
    /// Modbus/TCP Security remote access; nil when the section is absent or disabled.
    public var remoteAccess: RemoteAccessSettings?
    public var simulator: SimulatorSettings?
    public var project = ProjectSettings()
    /// LAN / WAN ports; nil when the gateway does not manage the network.
    public var network: NetworkSettings?
    public var time = TimeSettings()
    public var systemFiles: SystemFilesSettings
    /// Sections saved by the web UI (`<data>/settings.yaml`).
    public var settingsFile: String
    public var topology: Topology
    /// One per string, same order as `topology.strings`.
    public var controllers: [ControllerConfig]

    public init(file: String, gatewayId: String, dataDirectory: String, logLevel: String,
                acquisition: AcquisitionSettings, history: HistorySettings, simulator: SimulatorSettings?,
                topology: Topology, controllers: [ControllerConfig]) {
        self.file = file
        self.gatewayId = gatewayId
        self.dataDirectory = dataDirectory
        self.logLevel = logLevel
        self.acquisition = acquisition
        self.history = history
        self.simulator = simulator
        self.topology = topology
        self.controllers = controllers
        systemFiles = SystemFilesSettings(directory: "\(dataDirectory)/system")
        settingsFile = Self.settingsPath(dataDirectory: dataDirectory)
    }
}

public struct AcquisitionSettings: Sendable, Equatable {
    /// Time between the starts of two sweeps of a controller.
    public var pollInterval: Duration = .seconds(1)
    /// Response timeout of one request.
    public var timeout: Duration = .milliseconds(500)
    /// Extra attempts of a failed request within one sweep.
    public var retries = 1
    /// Failed sweeps in a row before a string is declared communication-lost.
    public var commLostAfter = 3
    /// How often a lost controller is probed (it is skipped in between, so a dead
    /// controller on a shared RS-485 bus does not slow the others).
    public var offlineRetryInterval: Duration = .seconds(10)

    public init() {}
}

public struct HistorySettings: Sendable, Equatable {
    /// Logging interval while a string is not discharging.
    public var slowInterval: Duration = .seconds(60)
    /// Logging interval while a string discharges (see ``DischargeSettings/current``).
    public var fastInterval: Duration = .seconds(1)
    /// Samples older than this are deleted.
    public var retention: Duration = .seconds(365 * 86400)

    public init() {}
}

/// The built-in controller simulator, started with the gateway.
public struct SimulatorSettings: Sendable, Equatable {
    /// TCP address the simulator listens on; strings whose Modbus TCP endpoint
    /// is this address are simulated (unit id = their unit).
    public var host = "127.0.0.1"
    public var port = 15020
    /// Simulated seconds per real second.
    public var speed = 1.0
    public var seed: UInt64 = 1
    /// Automatic mains failures: every `every`, one UPS's strings discharge for `duration`.
    public var dischargeEvery: Duration?
    public var dischargeDuration: Duration = .seconds(300)
    /// Discharge current per string, mA.
    public var dischargeCurrent: Int32 = 40000
    /// How the cells age (nil: random ages, a weak cell in some strings).
    public var ageing: SimulatedAgeing?
    /// History made up to now at the first start (an empty database), so analytics have a past.
    public var history: Duration?

    public init() {}
}

/// How one string's controller is reached and read.
public struct ControllerConfig: Sendable, Equatable {
    public var transport: Transport
    public var unit: Int
    public var registerMapFile: String
    public var registerMap: RegisterMap

    public init(transport: Transport, unit: Int, registerMapFile: String, registerMap: RegisterMap) {
        self.transport = transport
        self.unit = unit
        self.registerMapFile = registerMapFile
        self.registerMap = registerMap
    }
}

public enum Transport: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case rtu(SerialLine)

    public var description: String {
        switch self {
        case let .tcp(host, port): "tcp://\(host):\(port)"
        case let .rtu(line): "rtu:\(line.device)@\(line.baud)\(line.parity.rawValue)\(line.dataBits)\(line.stopBits)"
        }
    }
}

/// Settings of one serial line; every controller on the same device shares them.
public struct SerialLine: Sendable, Hashable {
    public enum Parity: String, Sendable, Hashable {
        case none = "N", even = "E", odd = "O"
    }

    public var device: String
    public var baud: Int
    public var parity: Parity
    public var dataBits: Int
    public var stopBits: Int

    public init(device: String, baud: Int = 19200, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1) {
        self.device = device
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    /// Bits on the wire per byte (start + data + parity + stop).
    public var bitsPerByte: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }
}

/// The SNMP agent (docs/snmp.md).
public struct SNMPSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        /// The gateway's own agent, listening on `listen`.
        case master
        /// A subagent of the host's snmpd over AgentX (`agentxSocket`).
        case agentx
    }

    public var mode = Mode.master
    /// net-snmp transport address, e.g. `udp:127.0.0.1:1161` (`udp:161` in production).
    public var listen = "udp:127.0.0.1:1161"
    /// The master agent's AgentX socket (a path, or `tcp:HOST:PORT`), in agentx mode.
    public var agentxSocket = "/var/agentx/master"
    /// SNMPv2c read-only community; also the community of traps.
    public var community = "public"
    /// Source addresses or networks (`10.0.0.0/8`, `::1`) the community is accepted from.
    public var sources = ["127.0.0.1", "::1"]
    /// SNMPv2c trap receivers, HOST:PORT.
    public var trapDestinations: [String] = []
    /// SNMPv3 inform receivers: retried until acknowledged.
    public var informs: [SNMPInformDestination] = []
    /// SNMPv1/v2c access on or off (v3 users only when off).
    public var v2c = true
    /// SNMPv3 USM users, authPriv (SHA-256 authentication, AES privacy).
    public var users: [SNMPUser] = []
    /// SET of alarm limits allowed (for v3 users with write access only).
    public var limitWrites = false
    /// The standard battery MIBs (RFC 7577 BATTERY-MIB, RFC 6933 ENTITY-MIB) beside ours.
    public var batteryMib = true
    /// BATTERY-MIB's notifications, sent beside ours from the same alarms (with `batteryMib`).
    public var batteryNotifications = true

    public init() {}

    /// What can change while the agent runs; the rest needs a restart.
    public func restartNeeded(comparedTo other: SNMPSettings) -> Bool {
        mode != other.mode || listen != other.listen || agentxSocket != other.agentxSocket || limitWrites != other.limitWrites
            || batteryMib != other.batteryMib || batteryNotifications != other.batteryNotifications
    }
}

/// An SNMPv3 inform receiver and the user (one of `users`) whose keys protect it.
public struct SNMPInformDestination: Sendable, Equatable {
    public var address: String
    public var user: String

    public init(address: String, user: String) {
        self.address = address
        self.user = user
    }
}

/// An SNMPv3 user. Its pass phrases are secrets: kept out of logs.
public struct SNMPUser: Sendable, Equatable {
    public var name: String
    public var authPassphrase: String
    public var privPassphrase: String
    /// May SET (alarm limits, when `limitWrites` is on).
    public var write: Bool

    public init(name: String, authPassphrase: String, privPassphrase: String, write: Bool = false) {
        self.name = name
        self.authPassphrase = authPassphrase
        self.privPassphrase = privPassphrase
        self.write = write
    }
}

extension GatewayConfig {
    /// TLS files the configuration names (MQTT client and CA, the web UI's own certificate), wherever
    /// they are: a backup with secrets takes them along.
    public var namedSecretFiles: [String] {
        [mqtt?.caFile, mqtt?.certFile, mqtt?.keyFile, web?.certFile, web?.keyFile].compactMap { $0 }
    }
}
