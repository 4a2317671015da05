public import Acquisition
public import Alarms
public import Analytics
import MetricsExport
public import Notifications
import RemoteAccess
import SNMPAgent
import StatusServer
public import Uplink
import WebUI
public import BatteryModel
import Foundation
public import GatewayConfig
public import Logging
import RegisterMap
public import ServiceLifecycle
public import Simulator
public import Storage
public import UnixSignals

/// The assembled gateway: one live model and the services around it.
public struct Gateway: Sendable {
    public static let version = "0.1.0"

    /// The configuration the gateway started with.
    public let config: GatewayConfig
    /// The configuration in force: replaced by ``reload(_:)``.
    let live: LiveSettings<GatewayConfig>
    /// Web UI users who want alarm e-mails or SMS (added to the configured recipients).
    let userRecipients: LiveSettings<[Recipient]>
    public let model: LiveModel
    public let store: DatabaseQueue<GatewayDatabase>
    public let simulator: PlantSimulator?
    /// Port the embedded simulator listens on (may differ from the config when it asked for 0).
    public let simulatorPort: Int?
    public let acquisition: Acquisition
    /// Poll durations and failures since the start, and every cell's series, for `/metrics`.
    let polls: PollMetrics
    let cellMetrics: CellMetrics
    /// E-mail and SMS delivery attempts since the start, for the metrics.
    public let deliveries = DeliveryCounts()
    /// Alarm and discharge events for outputs (notifications, later SNMP and MQTT).
    public let events = EventBroadcaster()
    /// Each cell's remaining life, re-estimated every 6 hours (docs/analytics.md).
    public let lifeEstimates = LifeEstimates()
    /// Whether the history is being written (the status says so when a full disk stops it).
    public let historyHealth = HistoryHealth()
    /// Run-time alarm limit overrides, published to the engine, notifier, SNMP agent and web UI.
    public let limits: LimitOverrides
    /// The remote-access listener's port once it listens (nil before, or without remote access).
    public let remoteAccessPort = ListeningPort()
    /// The SNMP agent, when configured (reconfigured by ``reload(_:)``).
    let snmpAgent: SNMPAgentServer?
    let limitWrites: LimitWrites?
    /// E-mail and SMS settings in force (replaced by ``reload(_:)``).
    let notificationSettings: LiveSettings<NotificationSettings>
    /// The MQTT uplink and its outbox, when configured.
    let uplink: MQTTUplink?
    /// The Sparkplug B connection (`mqtt.format` sparkplugB or both).
    let sparkplugUplink: MQTTUplink?
    /// What the MQTT uplink is doing (nil without an `mqtt` section): the JSON connection's, else Sparkplug's.
    public var uplinkStatus: UplinkStatus? { uplink?.status ?? sparkplugUplink?.status }
    let logger: Logger

    public static func databasePath(dataDirectory: String) -> String { "\(dataDirectory)/history.sqlite" }
    /// The modules' tables in the gateway's database (besides the history's), in creation order.
    public static let tables: [SchemaPart] = [AlarmTables.schema, NotificationTables.schema, WebTables.schema, RemoteAccessTables.schema]
    public static func socketPath(dataDirectory: String) -> String { "\(dataDirectory)/bmgw.sock" }
    public static func outboxPath(dataDirectory: String, sparkplug: Bool = false) -> String {
        "\(dataDirectory)/\(sparkplug ? "sparkplug-outbox" : "outbox").sqlite"
    }

    /// Opens the database, starts the embedded simulator's listener, prepares pollers.
    public init(config: GatewayConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        model = LiveModel(topology: config.topology, dischargeCurrent: config.discharge.current)
        let path = Self.databasePath(dataDirectory: config.dataDirectory)
        let cap = config.history.slowInterval * 2
        store = try DatabaseQueue(label: "history") { try GatewayDatabase(path: path, parts: Self.tables, sampleWeightCap: cap) }
        if let span = config.simulator?.history {
            let written = try store.sync { try SimulatedHistory.fill($0, config: config, span: span, end: .now) }
            if written > 0 { logger.notice("simulator: history made up for the empty database", metadata: ["samples": "\(written)"]) }
        }
        (simulator, simulatorPort) = try Self.embeddedSimulator(config, logger: logger)
        polls = PollMetrics(topology: config.topology)
        cellMetrics = CellMetrics(topology: config.topology)
        acquisition = Acquisition(config: config, model: model, observer: PollMetricsObserver(metrics: polls), logger: logger)
        live = LiveSettings(config)
        limits = LimitOverrides(settings: config.alarms, overrides: try store.sync { try LimitStore(db: $0.db).all() })
        let users = try store.sync { try UserStore(db: $0.db).all() }
        userRecipients = LiveSettings(Self.recipients(users))
        notificationSettings = LiveSettings(Self.merge(config.notifications, userRecipients.current))
        if let snmp = config.snmp {
            let writes = snmp.limitWrites ? LimitWrites(stringIds: config.topology.strings.map(\.id),
                                                        effective: config.topology.strings.map { [limits] in limits.effective(forString: $0.id) })
                                          : nil
            limitWrites = writes
            let agent = SNMPAgentServer(directory: "\(config.dataDirectory)/snmp", settings: snmp, writes: writes, logger: logger)
            agent.setSystem(SystemGroup(config: config, version: Self.version))
            snmpAgent = agent
        } else {
            (snmpAgent, limitWrites) = (nil, nil)
        }
        if let mqtt = config.mqtt, mqtt.format.json {
            let path = Self.outboxPath(dataDirectory: config.dataDirectory)
            let outbox = try DatabaseQueue(label: "outbox") { try Outbox(path: path, maxBytes: mqtt.outboxMaxBytes) }
            uplink = MQTTUplink(settings: mqtt, outbox: outbox, logger: logger)
        } else {
            uplink = nil
        }
        if let mqtt = config.mqtt, mqtt.format.sparkplug {
            // An outbox of its own: its messages are another connection's, with their own numbering.
            let path = Self.outboxPath(dataDirectory: config.dataDirectory, sparkplug: true)
            let outbox = try DatabaseQueue(label: "sparkplug-outbox") { try Outbox(path: path, maxBytes: mqtt.outboxMaxBytes) }
            var spbLogger = logger
            spbLogger[metadataKey: "uplink"] = "sparkplug"
            sparkplugUplink = MQTTUplink(sparkplug: mqtt.forSparkplug, outbox: outbox, model: model, version: Self.version, logger: spbLogger)
        } else {
            sparkplugUplink = nil
        }
    }

    /// Applies what can change while running from a new configuration (SIGHUP, or the web UI's settings):
    /// e-mail and SMS settings and recipients; SNMP communities, users and destinations; the MQTT uplink.
    /// Returns what still needs a restart.
    @discardableResult
    public func reload(_ new: GatewayConfig) throws -> [String] {
        let config = live.current
        var restart: [String] = []
        switch (config.snmp, new.snmp, snmpAgent) {
        case let (_, settings?, agent?):
            if try !agent.reconfigure(settings) { restart.append("snmp.listen, snmp.mode, snmp.agentxSocket, snmp.limitWrites, snmp.batteryMib, snmp.batteryNotifications") }
        case (nil, nil, _), (_, nil, nil):
            break
        default:
            restart.append("snmp (switched on or off)")
        }
        switch (new.mqtt, config.mqtt) {
        case let (settings?, old?) where settings.format == old.format:
            if let uplink, settings != uplink.settings { uplink.reconfigure(settings) }
            if let spb = sparkplugUplink, settings.forSparkplug != spb.settings { spb.reconfigure(settings.forSparkplug) }
        case (nil, nil):
            break
        case (_?, _?):
            restart.append("mqtt.format")
        default:
            restart.append("mqtt (switched on or off)")
        }
        if new.remoteAccess != config.remoteAccess {
            restart.append("remoteAccess (the listener)")
        }
        // The battery data lives in the topology; alone it changes no string, UPS or link.
        var batteryOnly = new.topology
        for i in batteryOnly.strings.indices where i < config.topology.strings.count {
            batteryOnly.strings[i].battery = config.topology.strings[i].battery
        }
        if batteryOnly != config.topology {
            restart.append("ups / strings")
        } else {
            if new.topology != config.topology { restart.append("battery (reports, remaining life and BATTERY-MIB)") }
            // Recipients name strings of this topology: only then can the new ones be used as they are.
            notificationSettings.replace(with: Self.merge(new.notifications, userRecipients.current))
        }
        snmpAgent?.setSystem(SystemGroup(config: new, version: Self.version))
        live.replace(with: new)
        logger.notice("configuration reloaded: notification, SNMP and MQTT settings applied; other sections are read at start only")
        if !restart.isEmpty { logger.warning("a restart is needed for some SNMP changes", metadata: ["keys": "\(restart)"]) }
        return restart
    }

    /// Reads the users' alarm contacts again (after a change in the web UI).
    func refreshUserRecipients() async throws {
        let users = try await store.run { try UserStore(db: $0.db).all() }
        userRecipients.replace(with: Self.recipients(users))
        notificationSettings.replace(with: Self.merge(live.current.notifications, userRecipients.current))
    }

    static func recipients(_ users: [UserStore.User]) -> [Recipient] {
        users.compactMap { u in
            let email = u.notifyEmail ? u.email : nil, phone = u.notifySMS ? u.phone : nil
            guard email != nil || phone != nil else { return nil }
            return Recipient(name: UserStore.recipientName(u.username), email: email, phone: phone)
        }
    }

    static func merge(_ settings: NotificationSettings, _ users: [Recipient]) -> NotificationSettings {
        var s = settings
        s.recipients += users
        return s
    }

    /// Services in start order; they stop in reverse: polling ends first, then the alarm service
    /// drains the last samples, the notifier its last changes, and the recorder writes what is pending.
    public func services() -> [any Service] {
        var list: [any Service] = []
        if let simulator { list.append(SimulatorService(simulator: simulator)) }
        let h = config.history
        list.append(HistoryRecorder(
            store: store, model: model,
            settings: .init(slowInterval: h.slowInterval, fastInterval: h.fastInterval,
                            dischargeCurrent: config.discharge.current, retention: h.retention),
            health: historyHealth, logger: logger))
        list.append(NotificationService(store: store, settings: notificationSettings, limits: limits,
                                        gatewayId: config.gatewayId, site: config.topology.siteName,
                                        siteTime: { [live] in live.current.time.siteTime }, events: events, counts: deliveries,
                                        logger: logger))
        if let sparkplugUplink {
            list.append(SparkplugService(uplink: sparkplugUplink, model: model, version: Self.version, events: events, logger: logger))
        }
        if let uplink {
            list.append(UplinkService(uplink: uplink, gatewayId: config.gatewayId, version: Self.version, model: model, events: events,
                                      activeAlarms: { [store] in (try? await store.run { try AlarmLog(db: $0.db).active().map(\.record) }) ?? [] },
                                      life: lifeEstimates, logger: logger))
        }
        list.append(AlarmService(store: store, model: model, limits: limits, discharge: config.discharge,
                                 events: events, replacementDays: { [lifeEstimates] in lifeEstimates.replacementDays(now: .now) },
                                 sampleJitter: config.acquisition.pollInterval / 10, logger: logger))
        if let snmpAgent, let snmp = config.snmp {
            list.append(SNMPService(server: snmpAgent, builder: MIBBuilder(gatewayId: config.gatewayId, version: Self.version, alarms: config.alarms,
                                                                         discharge: config.discharge, batteryMib: snmp.batteryMib,
                                                                         batteryNotifications: snmp.batteryNotifications),
                                    writes: limitWrites, limits: limits, model: model, store: store, events: events, life: lifeEstimates,
                                    logger: logger))
        }
        if let web = config.web {
            let started = Date()
            list.append(WebServer(settings: web, limits: limits, dataDirectory: config.dataDirectory, model: model, store: store, version: Self.version,
                                  backend: GatewaySettings(gateway: self, logger: logger),
                                  metrics: { [self] cells in await metricsExposition(cells: cells, startedAt: started) }, life: lifeEstimates,
                                  logger: logger))
        }
        list.append(RemainingLifeService(store: store, topology: config.topology, estimates: lifeEstimates, logger: logger))
        list.append(AcquisitionService(acquisition: acquisition))
        // After the links: it stops first, so the requests it forwards are answered.
        if let settings = config.remoteAccess {
            do {
                list.append(RemoteAccessService(server: try remoteAccessServer(settings), logger: logger) { [remoteAccessPort] in remoteAccessPort.set($0) })
            } catch {
                logger.error("remote access not started: its certificate authority is unusable", metadata: ["error": "\(error)"])
            }
        }
        list.append(ReloadOnHangup(gateway: self, logger: logger))
        list.append(StatusSocket(path: Self.socketPath(dataDirectory: config.dataDirectory), logger: logger) { [self] in statusReply($0) })
        return list
    }

    /// The gateway's services in one group; `signals` trigger its graceful shutdown.
    public func serviceGroup(signals: [UnixSignal] = [.sigterm, .sigint], alongside extra: [any Service] = []) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: (services() + extra).map { .init(service: $0) },
            gracefulShutdownSignals: signals,
            logger: logger))
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully; `extra` services run alongside.
    public func run(alongside extra: [any Service] = []) async throws {
        let group = serviceGroup(alongside: extra)
        logger.info("gateway starting", metadata: [
            "version": "\(Self.version)", "gateway": "\(config.gatewayId)",
            "strings": "\(config.topology.strings.count)", "cells": "\(config.topology.cellCount)",
            "data": "\(config.dataDirectory)",
        ])
        try await group.run()
        model.finishEvents()
        events.finish()
        logger.info("gateway stopped")
    }

    /// The built-in simulator serves every string whose Modbus TCP endpoint is its listen address.
    static func embeddedSimulator(_ config: GatewayConfig, logger: Logger) throws -> (PlantSimulator?, Int?) {
        guard let sim = config.simulator else { return (nil, nil) }
        var units: [(unit: Int, cells: Int)] = []
        var map: RegisterMap?
        var groups: [[Int]] = Array(repeating: [], count: config.topology.upses.count)
        for (i, c) in config.controllers.enumerated() {
            guard case let .tcp(host, port) = c.transport, host == sim.host, port == sim.port else { continue }
            if let map, map != c.registerMap {
                throw SimulatorError.mixedMaps
            }
            map = c.registerMap
            units.append((c.unit, config.topology.strings[i].cellCount))
            groups[config.topology.strings[i].upsIndex].append(c.unit)
        }
        guard let map, !units.isEmpty else {
            logger.warning("simulator enabled but no string uses its address", metadata: ["listen": "\(sim.host):\(sim.port)"])
            return (nil, nil)
        }
        let scenario = sim.dischargeEvery.map {
            DischargeScenario(groups: groups.filter { !$0.isEmpty }, every: $0, duration: sim.dischargeDuration,
                              amps: Double(sim.dischargeCurrent) / 1000)
        }
        let simulator = try PlantSimulator(units: units, map: map, seed: sim.seed, speed: sim.speed,
                                           scenario: scenario, ageing: SimulatedHistory.liveAgeing(sim), logger: logger)
        let port = try simulator.listenTCP(host: sim.host, port: sim.port)
        return (simulator, port)
    }
}

extension SimulatorError {
    static var mixedMaps: SimulatorError {
        SimulatorError(description: "the embedded simulator serves one register map; strings on its address use different maps")
    }
}
