import BatteryModel
import ConfigSupport
import Foundation
@testable import GatewayConfig
import TestSupport
import Testing

let bmcMap = repoRoot.appendingPathComponent("config/registermaps/bmc-v1.yaml").path

/// A valid two-string configuration; tests break one thing at a time.
let validConfig = """
    gateway:
      id: gw-1
      site: Test
    dataDirectory: data
    acquisition:
      pollInterval: 1s
    ups:
      - { id: u1, name: UPS 1 }
    strings:
      - id: s1
        ups: u1
        cells: 16
        registerMap: \(bmcMap)
        modbus:
          tcp: { host: 127.0.0.1, port: 1502, unit: 1 }
      - id: s2
        ups: u1
        cells: 16
        registerMap: \(bmcMap)
        modbus:
          rtu: { device: /dev/ttyUSB0, baud: 19200, unit: 2 }
    """

/// Loads `yaml` from a file named like a real one; returns the problems as printed.
func problems(_ yaml: String) throws -> [String] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("gateway.yaml").path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    do {
        _ = try GatewayConfig.load(file: file)
        return []
    } catch {
        return error.problems.map { $0.description.replacingOccurrences(of: file, with: "gateway.yaml") }
    }
}

/// Loads valid `yaml` from a temporary file.
func load(_ yaml: String) throws -> GatewayConfig {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("gateway.yaml").path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    return try GatewayConfig.load(file: file)
}

func replacing(_ old: String, _ new: String) -> String {
    precondition(validConfig.contains(old), "test setup: '\(old)' not in the config")
    return validConfig.replacingOccurrences(of: old, with: new)
}

@Suite struct ConfigErrorTests {
    @Test func validConfigLoads() throws {
        do {
            let p = try problems(validConfig)
            #expect(p == [])
        }
    }

    @Test func syntaxErrorHasLine() throws {
        let p = try problems(replacing("  site: Test", "  site: [Test"))
        #expect(p.count == 1)
        #expect(p[0].hasPrefix("gateway.yaml:4:"))
        #expect(p[0].contains("YAML syntax error"))
    }

    @Test func missingRequiredKey() throws {
        do {
            let p = try problems(replacing("  id: gw-1\n", ""))
            #expect(p == ["gateway.yaml:2:3: gateway.id: is required but missing"])
        }
    }

    @Test func unknownKeyWithSuggestion() throws {
        do {
            let p = try problems(replacing("pollInterval", "pollIntervall"))
            #expect(p == ["gateway.yaml:6:3: acquisition.pollIntervall: unknown key 'pollIntervall' (did you mean 'pollInterval'?)"])
        }
    }

    @Test func wrongTypeOfValue() throws {
        do {
            let p = try problems(replacing("pollInterval: 1s", "pollInterval: often"))
            #expect(p == ["gateway.yaml:6:17: acquisition.pollInterval: 'often' is not a duration (examples: 500ms, 1s, 2m, 1h, 365d)"])
        }
        do {
            let p = try problems(replacing("cells: 16\n    registerMap: \(bmcMap)\n    modbus:\n      tcp", "cells: many\n    registerMap: \(bmcMap)\n    modbus:\n      tcp"))
            #expect(p == ["gateway.yaml:12:12: strings[0].cells: 'many' is not a whole number"])
        }
    }

    @Test func valueOutOfRange() throws {
        do {
            let p = try problems(replacing("baud: 19200, unit: 2", "baud: 19200, unit: 0"))
            #expect(p == ["gateway.yaml:21:55: strings[1].modbus.rtu.unit: 0 is not in 1…247"])
        }
        do {
            let p = try problems(replacing("pollInterval: 1s", "pollInterval: 10ms"))
            #expect(p == ["gateway.yaml:6:17: acquisition.pollInterval: 10ms is not in 100ms…1h"])
        }
    }

    @Test func reservedTCPUnit() throws {
        let p = try problems(replacing("port: 1502, unit: 1 }", "port: 1502, unit: 250 }"))
        #expect(p == ["gateway.yaml:15:49: strings[0].modbus.tcp.unit: 250 is reserved; Modbus TCP unit ids are 0…247 or 255"])
    }

    @Test func cellsBeyondTheMap() throws {
        let p = try problems(replacing("cells: 16\n    registerMap: \(bmcMap)\n    modbus:\n      tcp", "cells: 121\n    registerMap: \(bmcMap)\n    modbus:\n      tcp"))
        #expect(p == ["gateway.yaml:12:12: strings[0].cells: 121 is not in 1…120"])
    }

    @Test func duplicateStringId() throws {
        do {
            let p = try problems(replacing("  - id: s2", "  - id: s1"))
            #expect(p == ["gateway.yaml:16:9: strings[1].id: 's1' is already used by strings[0]"])
        }
    }

    @Test func unknownUPSReference() throws {
        do {
            let p = try problems(replacing("    ups: u1\n    cells: 16\n    registerMap: \(bmcMap)\n    modbus:\n      rtu", "    ups: u9\n    cells: 16\n    registerMap: \(bmcMap)\n    modbus:\n      rtu"))
            #expect(p == ["gateway.yaml:17:10: strings[1].ups: 'u9' is not a UPS id defined under ups (known: u1)"])
        }
    }

    @Test func bothTransports() throws {
        let p = try problems(replacing("      tcp: { host: 127.0.0.1, port: 1502, unit: 1 }",
                                       "      tcp: { host: 127.0.0.1, port: 1502, unit: 1 }\n      rtu: { device: /dev/ttyS1, unit: 1 }"))
        #expect(p == ["gateway.yaml:15:7: strings[0].modbus: give either tcp or rtu, not both"])
    }

    @Test func oneSerialLineTwoSpeeds() throws {
        let yaml = validConfig + """

              - id: s3
                ups: u1
                cells: 16
                registerMap: \(bmcMap)
                modbus:
                  rtu: { device: /dev/ttyUSB0, baud: 9600, unit: 3 }
            """
        let p = try problems(yaml)
        #expect(p.count == 1)
        #expect(p[0].hasPrefix("gateway.yaml:27:12: strings[2].modbus.rtu: settings of /dev/ttyUSB0 (9600 N81) differ from strings[1].modbus.rtu (19200 N81)"))
    }

    @Test func twoStringsOneAddress() throws {
        let yaml = validConfig + """

              - id: s3
                ups: u1
                cells: 16
                registerMap: \(bmcMap)
                modbus:
                  tcp: { host: 127.0.0.1, port: 1502, unit: 1 }
            """
        do {
            let p = try problems(yaml)
            #expect(p == ["gateway.yaml:27:49: strings[2].modbus.tcp.unit: tcp 127.0.0.1:1502 unit 1 is already used by strings[0].modbus.tcp.unit"])
        }
    }

    @Test func fastSlowerThanSlow() throws {
        let p = try problems(validConfig + "\nhistory: { fastInterval: 2m, slowInterval: 1m }\n")
        #expect(p == ["gateway.yaml:22:26: history.fastInterval: 2m is longer than slowInterval 1m"])
    }

    @Test func missingRegisterMapFile() throws {
        let p = try problems(replacing("registerMap: \(bmcMap)\n    modbus:\n      tcp", "registerMap: /nonexistent/x.yaml\n    modbus:\n      tcp"))
        #expect(p == ["gateway.yaml:13:18: strings[0].registerMap: register map file /nonexistent/x.yaml does not exist"])
    }

    @Test func brokenRegisterMapNamesItsOwnFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("map-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("bad.yaml").path
        try "name: bad\ncells:\n  voltage: { address: 1000, type: u8 }\n".write(toFile: map, atomically: true, encoding: .utf8)
        let p = try problems(validConfig.replacingOccurrences(of: bmcMap, with: map))
        #expect(p == ["\(map):3:35: cells.voltage.type: 'u8' is not one of u16, s16, u32, s32"])
    }

    @Test func tooManyStrings() throws {
        var yaml = "gateway: { id: g }\ndataDirectory: d\nups: [ { id: u } ]\nstrings:\n"
        for i in 0..<33 {
            yaml += "  - { id: s\(i), ups: u, cells: 1, registerMap: \(bmcMap), modbus: { tcp: { host: h, unit: \(i + 1) } } }\n"
        }
        do {
            let p = try problems(yaml)
            #expect(p == ["gateway.yaml:5:3: strings: has 33 strings; a gateway serves at most 32"])
        }
    }

    /// Measurement past the product's 32 strings (the cost curves) lifts the limit by environment, within Modbus's unit ids.
    @Test func theStringLimitIsLiftedOnlyForMeasurement() {
        #expect(GatewayConfig.stringLimit([:]) == 32)
        #expect(GatewayConfig.stringLimit(["BMGW_MEASURE_MAX_STRINGS": "128"]) == 128)
        #expect(GatewayConfig.stringLimit(["BMGW_MEASURE_MAX_STRINGS": "8"]) == 32, "never below the product's limit")
        #expect(GatewayConfig.stringLimit(["BMGW_MEASURE_MAX_STRINGS": "1000"]) == 247)
        #expect(GatewayConfig.stringLimit(["BMGW_MEASURE_MAX_STRINGS": "many"]) == 32)
    }

    @Test func badIdentifier() throws {
        do {
            let p = try problems(replacing("id: gw-1", "id: gw 1/a"))
            #expect(p == ["gateway.yaml:2:7: gateway.id: 'gw 1/a' must be 1–32 letters, digits, '-' or '_'"])
        }
    }

    @Test func severalProblemsAreAllReported() throws {
        let p = try problems(replacing("pollInterval: 1s", "pollInterval: 1s\n  retries: 9\n  timeout: x"))
        #expect(p.count == 2)
    }

    @Test func shippedConfigsLoad() throws {
        for name in ["demo.yaml", "gateway.yaml"] {
            let c = try GatewayConfig.load(file: repoRoot.appendingPathComponent("config/\(name)").path)
            #expect(!c.topology.strings.isEmpty)
        }
        let demo = try GatewayConfig.load(file: repoRoot.appendingPathComponent("config/demo.yaml").path)
        #expect(demo.topology.strings.count == 32)
        #expect(demo.topology.cellCount == 3840)
        #expect(demo.simulator?.port == 15020)
        #expect(demo.dataDirectory == repoRoot.appendingPathComponent("data").path)
    }

    /// A time typed without a zone is the site's wall clock; with one (Z), exactly that instant.
    @Test func localTimesParseInTheSiteZone() {
        let berlin = TimeZone(identifier: "Europe/Berlin")
        #expect(TimeText.parse("2026-11-25 08:00", zone: berlin) == 1_795_590_000_000)
        #expect(TimeText.parse("2026-11-25T08:00:00", zone: berlin) == 1_795_590_000_000)
        #expect(TimeText.parse("2026-11-25", zone: berlin) == 1_795_561_200_000)
        #expect(TimeText.parse("2026-11-25T07:00:00Z", zone: berlin) == 1_795_590_000_000)
        #expect(TimeText.parse("2026-02-30 08:00", zone: berlin) == nil && TimeText.parse("2026-11-25 25:00", zone: berlin) == nil)
    }

    @Test func durationsParse() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("365d") == .seconds(365 * 86400))
        #expect(DurationText.parse("2") == .seconds(2))
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parse("fast") == nil)
        #expect(DurationText.format(.seconds(3600)) == "1h")
    }
}

@Suite struct AlarmConfigTests {
    @Test func limitsAreReadInDisplayUnits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("g.yaml").path
        try (validConfig + """

            alarms:
              defaults:
                cellVoltageHigh: { limit: 14.2, hysteresis: 0.05, onDelay: 5s, sms: true }
              strings:
                s2:
                  cellTemperatureHigh: { limit: 30, email: false }
            """).write(toFile: file, atomically: true, encoding: .utf8)
        let config = try GatewayConfig.load(file: file)
        let high = try #require(config.alarms.limits(forString: "s1")[.cellVoltageHigh])
        #expect(high.limit == 14200 && high.hysteresis == 50 && high.onDelay == .seconds(5) && high.sms)
        #expect(config.alarms.limits(forString: "s1")[.cellTemperatureHigh]?.limit == 350, "factory default")
        let s2 = try #require(config.alarms.limits(forString: "s2")[.cellTemperatureHigh])
        #expect(s2.limit == 300 && !s2.email)
        #expect(s2.onDelay == AlarmLimit.defaults[.cellTemperatureHigh]?.onDelay, "unset keys keep the default")
    }

    @Test func lowLimitAboveHighLimit() throws {
        let p = try problems(validConfig + "\nalarms:\n  defaults:\n    cellVoltageLow: { limit: 14.5 }\n")
        #expect(p == ["gateway.yaml:24:21: alarms.defaults.cellVoltageLow: limit 14.500 V (+ hysteresis) is not below cellVoltageHigh 14.400 V (− hysteresis)"])
    }

    @Test func lowAboveHighForOneString() throws {
        let p = try problems(validConfig + "\nalarms:\n  strings:\n    s1:\n      stringVoltageHigh: { limit: 11.0 }\n")
        #expect(p.count == 1)
        #expect(p[0].contains("alarms.strings.s1.stringVoltageLow: limit 12.000 V per cell (+ hysteresis) is not below stringVoltageHigh 11.000 V per cell"))
    }

    @Test func limitOutOfRangeAndUnknownType() throws {
        let p = try problems(validConfig + "\nalarms:\n  defaults:\n    cellVoltageHigh: { limit: 99 }\n    cellVoltageHihg: { limit: 1 }\n")
        #expect(p.contains("gateway.yaml:24:31: alarms.defaults.cellVoltageHigh.limit: 99 is not in 0.5…30"))
        #expect(p.contains("gateway.yaml:25:5: alarms.defaults.cellVoltageHihg: unknown key 'cellVoltageHihg' (did you mean 'cellVoltageHigh'?)"))
    }

    @Test func overrideForAnUnknownString() throws {
        let p = try problems(validConfig + "\nalarms:\n  strings:\n    s9:\n      hallSensor: { enabled: false }\n")
        #expect(p == ["gateway.yaml:25:7: alarms.strings.s9: 's9' is not a string id defined under strings"])
    }

    @Test func flagAlarmsHaveNoLimit() throws {
        let p = try problems(validConfig + "\nalarms:\n  defaults:\n    hallSensor: { limit: 1 }\n")
        #expect(p.first?.contains("alarms.defaults.hallSensor.limit: unknown key 'limit'") == true)
    }

    @Test func recipientsAreChecked() throws {
        let p = try problems(validConfig + """

            notifications:
              email: { host: smtp.example.org, from: gateway@example.org }
              recipients:
                - { name: A, email: not-an-address }
                - { name: B, phone: "0151 123" }
                - { name: C, email: c@example.org, strings: [s1, s7] }
                - { name: D }
            """)
        #expect(p.contains { $0.hasSuffix("notifications.recipients[0].email: is not an e-mail address") })
        #expect(p.contains { $0.hasSuffix("notifications.recipients[1].phone: must be an international number like +4915112345678") })
        #expect(p.contains { $0.hasSuffix("notifications.recipients[2].strings[1]: 's7' is not a string id defined under strings") })
        #expect(p.contains { $0.hasSuffix("notifications.recipients[3]: needs an email or a phone") })
        #expect(!p.joined().contains("not-an-address"), "personal data is not echoed in messages")
    }

    @Test func smsNeedsOneChannel() throws {
        let p = try problems(validConfig + """

            notifications:
              sms:
                modem: { device: /dev/ttyUSB2 }
                http: { url: "https://sms.example.org/send" }
            """)
        #expect(p == ["gateway.yaml:24:5: notifications.sms: give either modem or http, not both"])
    }
}

@Suite struct SNMPConfigTests {
    @Test func usersAndAccessAreChecked() throws {
        let p = try problems(validConfig + """

            snmp:
              listen: "161"
              v2c: false
              users:
                - { name: nms, authPassphrase: short, privPassphrase: long-enough-1 }
            """)
        #expect(p.contains { $0.hasSuffix("snmp.listen: '161' is not a transport address like udp:127.0.0.1:1161") })
        #expect(p.contains { $0.hasSuffix("snmp.users[0].authPassphrase: must be at least 8 characters") })
        #expect(p.contains { $0.hasSuffix("snmp.users: v2c is off and no v3 user is configured: nobody could read the agent") })
        #expect(!p.joined().contains("short"), "secrets are not echoed")
    }

    @Test func sourcesInformsWritesAndModeAreChecked() throws {
        let p = try problems(validConfig + """

            snmp:
              mode: proxy
              agentxSocket: "localhost:705"
              sources: [10.0.0.0/33, "fd00::/8", any, 192.0.2.1, nonsense]
              informs:
                - { address: "nms.example:162", user: nobody }
                - { address: "nms.example", user: nms }
              limitWrites: true
              users:
                - { name: nms, authPassphrase: "tab\\tbreak-1", privPassphrase: long-enough-1 }
                - { name: nms, authPassphrase: long-enough-2, privPassphrase: long-enough-3 }
            """)
        #expect(p.contains { $0.hasSuffix("snmp.mode: 'proxy' is not one of master, agentx") }, "\(p)")
        #expect(p.contains { $0.hasSuffix("snmp.agentxSocket: 'localhost:705' is neither a socket path nor tcp:HOST:PORT") })
        #expect(p.contains { $0.hasSuffix("snmp.sources[0]: '10.0.0.0/33' is not an address or network like 10.1.0.0/16, ::1 or any") })
        #expect(p.contains { $0.hasSuffix("snmp.sources[4]: 'nonsense' is not an address or network like 10.1.0.0/16, ::1 or any") })
        #expect(p.count { $0.contains("snmp.sources[") } == 2, "the IPv6 network, any and the host are fine")
        #expect(p.contains { $0.hasSuffix("snmp.informs[0].user: 'nobody' is not one of the users") })
        #expect(p.contains { $0.hasSuffix("snmp.informs[1].address: 'nms.example' is not HOST:PORT") })
        #expect(p.contains { $0.hasSuffix("snmp.limitWrites: is on but no user has access: write") })
        #expect(p.contains { $0.hasSuffix("snmp.users[0].authPassphrase: must not contain control characters") })
        #expect(p.contains { $0.hasSuffix("snmp.users[1].name: user 'nms' is defined twice") })
        #expect(!p.joined().contains("long-enough") && !p.joined().contains("break-1"), "secrets are not echoed")
    }

    @Test func aValidSectionLoads() throws {
        let config = try load(validConfig + """

            snmp:
              sources: [10.1.0.0/16, "::1"]
              informs: [ { address: "192.0.2.9:162", user: ops } ]
              limitWrites: true
              users: [ { name: ops, authPassphrase: auth-pass-1, privPassphrase: priv-pass-1, access: write } ]
            """)
        let s = try #require(config.snmp)
        #expect(s.sources == ["10.1.0.0/16", "::1"] && s.mode == .master && s.limitWrites)
        #expect(s.informs == [SNMPInformDestination(address: "192.0.2.9:162", user: "ops")])
        #expect(s.users.first?.write == true)
    }
}
