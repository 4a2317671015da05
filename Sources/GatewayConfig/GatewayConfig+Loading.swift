import Foundation
public import ConfigSupport
import BatteryModel
import RegisterMap

extension GatewayConfig {
    /// The product's limit: what the gateway is documented and tested for.
    public static let maxStrings = 32
    /// The limit in force: `BMGW_MEASURE_MAX_STRINGS` (at most 247, Modbus unit ids) lifts it for the
    /// cost curves past the product (`scripts/bench.sh scale`); not for sites.
    static func stringLimit(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        guard let text = environment["BMGW_MEASURE_MAX_STRINGS"], let n = Int(text) else { return maxStrings }
        return min(max(n, maxStrings), 247)
    }

    /// Loads and validates a configuration file and the register maps it names.
    /// All problems are reported together, each with file, key and line.
    /// Sections saved by the web UI (`<data>/settings.yaml`) replace the same sections of the file;
    /// `settingsText` stands in for that file's content (to check a change before it is saved).
    public static func load(file: String, settingsText: String? = nil) throws(ConfigError) -> GatewayConfig {
        let reader = ConfigReader(file: file)
        var maps = MapCache()
        var settingsProblems: [ConfigProblem] = []
        let config = reader.root().flatMap { load(from: $0, maps: &maps, settingsText: settingsText, settingsProblems: &settingsProblems) }
        let problems = reader.problems + maps.problems + settingsProblems
        guard problems.isEmpty, let config else {
            throw ConfigError(problems: problems.isEmpty ? [ConfigProblem(file: file, path: "", message: "invalid")] : problems)
        }
        return config
    }

    static func load(from root: ConfigNode, maps: inout MapCache, settingsText: String? = nil,
                     settingsProblems: inout [ConfigProblem]) -> GatewayConfig? {
        root.rejectUnknownKeys(allowed: ["gateway", "dataDirectory", "log", "acquisition", "history", "discharge", "alarms",
                                         "notifications", "snmp", "mqtt", "web", "remoteAccess", "simulator", "ups", "strings",
                                         "project", "network", "time", "system", "battery"])
        guard root.keys != nil else { return nil }
        let file = root.reader.file.hasPrefix("/") ? root.reader.file
            : FileManager.default.currentDirectoryPath + "/" + root.reader.file
        let baseDirectory = (file as NSString).deletingLastPathComponent

        let gateway = root["gateway"]
        gateway.rejectUnknownKeys(allowed: ["id", "site"])
        gateway.require()
        let gatewayId = identifier(gateway["id"]) ?? ""
        let site = gateway["site"].string(default: "Data centre") ?? "Data centre"

        let dataNode = root["dataDirectory"]
        let dataDirectory = resolve(dataNode.string(required: true) ?? "data", against: baseDirectory)

        let settingsFile = settingsPath(dataDirectory: dataDirectory)
        let settingsReader = ConfigReader(file: settingsFile)
        defer { settingsProblems = settingsReader.problems }
        let text = settingsText ?? (FileManager.default.fileExists(atPath: settingsFile) ? try? String(contentsOfFile: settingsFile, encoding: .utf8) : nil)
        let saved = text.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : settingsReader.root(parsing: $0) }
        saved?.rejectUnknownKeys(allowed: Set(editableSections))
        /// A section saved by the web UI, else the file's.
        func section(_ key: String) -> ConfigNode {
            if let node = saved?[key], node.exists { return node }
            return root[key]
        }

        let log = root["log"]
        log.rejectUnknownKeys(allowed: ["level"])
        let level = log["level"].choice(["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info") ?? "info"

        let acquisition = loadAcquisition(root["acquisition"])
        let history = loadHistory(root["history"])
        let simulator = loadSimulator(root["simulator"])

        let (upses, upsIndex) = loadUPSes(root["ups"])
        var strings: [Topology.BatteryString] = []
        var controllers: [ControllerConfig] = []
        var stringIds: [String: String] = [:]
        var endpoints = EndpointCheck()
        let stringNodes = root["strings"].elements
        // The web UI's battery page saves the plant's data and a row per string (`battery.strings`).
        let batteryNode = section("battery")
        let plantBattery = loadBattery(batteryNode, also: ["strings"])
        checkBattery(plantBattery, batteryNode)
        let savedRows = loadBatteryRows(batteryNode["strings"])
        if !root["strings"].exists {
            root["strings"].problem("is required: list the battery strings to monitor")
        } else if stringNodes.isEmpty {
            root["strings"].problem("must list at least one string")
        } else if stringNodes.count > stringLimit() {
            root["strings"].problem("has \(stringNodes.count) strings; a gateway serves at most \(stringLimit())")
        }
        for node in stringNodes {
            node.rejectUnknownKeys(allowed: ["id", "name", "ups", "cells", "registerMap", "modbus", "battery"])
            let id = identifier(node["id"])
            if let id {
                if let first = stringIds[id] { node["id"].problem("'\(id)' is already used by \(first)") }
                stringIds[id] = node.path
            }
            let name = node["name"].string(default: id ?? "") ?? ""
            var ups: Int?
            if let upsId = node["ups"].string(required: true) {
                ups = upsIndex[upsId]
                if ups == nil {
                    let known = upses.map(\.id).joined(separator: ", ")
                    node["ups"].problem("'\(upsId)' is not a UPS id defined under ups (known: \(known.isEmpty ? "none" : known))")
                }
            }
            let mapNode = node["registerMap"]
            let mapReference = mapNode.string(default: "bmc-v1") ?? "bmc-v1"
            let mapFile = resolveMap(mapReference, against: baseDirectory)
            let map = mapFile.flatMap { maps.map(file: $0, referencedBy: mapNode) }
            if mapFile == nil {
                mapNode.problem("no register map '\(mapReference)' (looked for \(MapSearch.searched(mapReference, configDirectory: baseDirectory)))")
            }
            let cells = node["cells"].int(in: 1...(map?.maxCells ?? 1000), required: true)
            let link = loadModbus(node["modbus"], endpoints: &endpoints)
            var battery = plantBattery.overridden(by: loadBattery(node["battery"]))
            if node["battery"].exists { checkBattery(battery, node["battery"]) }
            if let id, let row = savedRows[id] {
                battery = battery.overridden(by: row.spec)
                checkBattery(battery, row.node)
            }
            guard let id, let ups, let cells, let link, let map, let mapFile else { continue }
            strings.append(.init(id: id, name: name, upsIndex: ups, cellCount: cells, battery: battery))
            controllers.append(ControllerConfig(transport: link.transport, unit: link.unit, registerMapFile: mapFile, registerMap: map))
        }

        for (id, row) in savedRows where stringIds[id] == nil {
            row.node["string"].problem("'\(id)' is not a string id defined under strings")
        }
        var config = GatewayConfig(
            file: root.reader.file, gatewayId: gatewayId, dataDirectory: dataDirectory, logLevel: level,
            acquisition: acquisition, history: history, simulator: simulator,
            topology: Topology(siteName: site, upses: upses, strings: strings), controllers: controllers
        )
        let ids = Set(stringIds.keys)
        config.discharge = loadDischarge(root["discharge"])
        config.alarms = loadAlarms(root["alarms"], stringIds: ids)
        config.notifications = loadNotifications(section("notifications"), stringIds: ids, baseDirectory: baseDirectory)
        config.snmp = loadSNMP(section("snmp"))
        config.mqtt = loadMQTT(section("mqtt"), gatewayId: gatewayId, baseDirectory: baseDirectory)
        config.web = loadWeb(root["web"], baseDirectory: baseDirectory)
        config.remoteAccess = loadRemoteAccess(section("remoteAccess"), stringIds: strings.map(\.id))
        config.project = loadProject(section("project"))
        config.network = loadNetwork(section("network"))
        config.time = loadTime(section("time"))
        config.systemFiles = loadSystemFiles(root["system"], dataDirectory: dataDirectory, baseDirectory: baseDirectory)
        config.settingsFile = settingsFile
        return config
    }

    /// Sections the web UI may change (saved in ``settingsPath(dataDirectory:)``).
    public static let editableSections = ["notifications", "snmp", "mqtt", "project", "network", "time", "remoteAccess", "battery"]

    public static func settingsPath(dataDirectory: String) -> String { "\(dataDirectory)/settings.yaml" }

    /// An id used in topics, URLs and the database: 1–32 of letters, digits, '-', '_'.
    static func identifier(_ node: ConfigNode) -> String? {
        guard let id = node.string(required: true) else { return nil }
        let ok = (1...32).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard ok else {
            node.problem("'\(id)' must be 1–32 letters, digits, '-' or '_'")
            return nil
        }
        return id
    }

    private static func loadUPSes(_ node: ConfigNode) -> ([Topology.UPS], [String: Int]) {
        var upses: [Topology.UPS] = []
        var index: [String: Int] = [:]
        if !node.exists { node.problem("is required: list the UPS units (id, name)") }
        for u in node.elements {
            u.rejectUnknownKeys(allowed: ["id", "name"])
            guard let id = identifier(u["id"]) else { continue }
            if index[id] != nil {
                u["id"].problem("'\(id)' is defined twice")
                continue
            }
            index[id] = upses.count
            upses.append(.init(id: id, name: u["name"].string(default: id) ?? id))
        }
        return (upses, index)
    }

    static func resolve(_ path: String, against base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        let joined = base.isEmpty ? expanded : (base as NSString).appendingPathComponent(expanded)
        return (joined as NSString).standardizingPath
    }

    /// A bare name (no '/' and no extension) is searched for (``MapSearch``: beside the config file, the
    /// share folder, the maps compiled in); nil when found nowhere. Anything else is a path.
    static func resolveMap(_ name: String, against base: String) -> String? {
        if MapSearch.isName(name) { return MapSearch.locate(name, configDirectory: base) }
        return resolve(name, against: base)
    }
}

/// Loads each register map file once and keeps its problems.
struct MapCache {
    private var maps: [String: RegisterMap?] = [:]
    private(set) var problems: [ConfigProblem] = []

    mutating func map(file: String, referencedBy node: ConfigNode) -> RegisterMap? {
        if let cached = maps[file] { return cached }
        let map: RegisterMap?
        if !file.hasPrefix(MapSearch.builtInPrefix) && !FileManager.default.fileExists(atPath: file) {
            node.problem("register map file \(file) does not exist")
            map = nil
        } else {
            do {
                map = try RegisterMap.load(located: file)
            } catch {
                problems += error.problems
                map = nil
            }
        }
        maps[file] = map
        return map
    }
}
