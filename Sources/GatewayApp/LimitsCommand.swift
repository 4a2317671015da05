import ArgumentParser
import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import Storage
import StatusServer
import GatewayServices
import Alarms

struct LimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Show a string's alarm limits, or change one type's settings at run time (a running gateway applies it at once).",
        discussion: """
            Settings are given in the units of the configuration file, e.g.
              bmgw limits -s a1 --type cellVoltageHigh --set "limit: 14.2, onDelay: 10s, sms: true"
              bmgw limits -s a1 --type cellVoltageHigh --reset
            """)

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Option(name: .shortAndLong, help: "String id.")
    var string: String

    @Option(help: "Alarm type to change.")
    var type: String?

    @Option(help: "Settings to change, as YAML keys: limit, hysteresis, onDelay, offDelay, enabled, sms, email.")
    var set: String?

    @Flag(help: "Remove the run-time override of --type (back to the configuration).")
    var reset = false

    func run() throws {
        let cfg = try loadConfig(config)
        guard cfg.topology.stringIndex(id: string) != nil else {
            printError("no string '\(string)' in \(config)")
            throw ExitCode(1)
        }
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: cfg.dataDirectory), parts: Gateway.tables)
        let limits = LimitStore(db: store.db)
        var effective = cfg.alarms.limits(forString: string).merging(try limits.all()[string] ?? [:]) { $1 }
        if let type {
            guard let t = AlarmType(rawValue: type) else {
                throw ValidationError("--type '\(type)' is not one of \(AlarmType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if reset {
                try limits.remove(stringId: string, type: t)
                effective[t] = cfg.alarms.limits(forString: string)[t]
            } else if let set {
                do {
                    let base = effective[t] ?? AlarmLimit()
                    let changed = try GatewayConfig.override(t, of: base, settings: set, label: "--set", others: effective)
                    try limits.set(stringId: string, type: t, changed)
                    effective[t] = changed
                } catch let error as ConfigError {
                    printError(error.description)
                    throw ExitCode(2)
                }
            } else {
                throw ValidationError("with --type, give --set or --reset")
            }
        }
        if type != nil { Self.tellRunningGateway(cfg.dataDirectory) }
        let overridden = try limits.all()[string] ?? [:]
        var table = TextTable(header: ["type", "on", "limit", "hysteresis", "onDelay", "offDelay", "sms", "email", "source"])
        for t in AlarmType.allCases {
            guard let l = effective[t] else { continue }
            table.rows.append([t.rawValue, l.enabled ? "yes" : "no", t.display(l.limit), t.display(l.hysteresis),
                               DurationText.format(l.onDelay), DurationText.format(l.offDelay), l.sms ? "yes" : "no",
                               l.email ? "yes" : "no", overridden[t] != nil ? "run-time" : "config"])
        }
        FileOutput.standardOutput.write("Alarm limits of string \(string) (string voltages per cell)\n" + table.render() + "\n")
    }

    /// A running gateway applies the change at once (it does not poll the table); when none runs,
    /// the next start reads it.
    static func tellRunningGateway(_ dataDirectory: String) {
        let path = Gateway.socketPath(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let reply = try? StatusSocket.fetch(path: path, .limits), String(decoding: reply, as: UTF8.self) == "ok\n" else {
            printError("note: the running gateway did not confirm the change; it applies at its next start")
            return
        }
    }
}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline-reset",
        abstract: "Start the resistance baseline (ohmic-rise alarm) again from now, e.g. after cells were replaced.")

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Option(name: .shortAndLong, help: "String id (default: every string).")
    var string: String?

    func run() throws {
        let cfg = try loadConfig(config)
        let store = try GatewayDatabase(path: Gateway.databasePath(dataDirectory: cfg.dataDirectory), parts: Gateway.tables)
        let key: Int64?
        if let string {
            guard let k = try store.stringKey(id: string) else {
                printError("no string '\(string)' in the database")
                throw ExitCode(1)
            }
            key = k
        } else {
            key = nil
        }
        let period = cfg.alarms.baselinePeriod
        try BaselineStore(db: store.db).reset(stringKey: key, at: .now, period: period)
        FileOutput.standardOutput.write("baseline of \(string ?? "every string") restarts now; set after \(DurationText.format(period))\n")
    }
}
