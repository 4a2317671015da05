import BatteryModel
import Foundation
import GatewayConfig
import GatewayServices
import Simulator
import TestSupport
import Testing

/// Home Assistant MQTT discovery against a real mosquitto broker: the retained configurations are
/// what Home Assistant accepts (its discovery topic pattern, its sensor device classes and units),
/// and their templates, rendered by Jinja2 as Home Assistant renders them, read the live model.
@Suite(.tags(.endToEnd), .serialized, .timeLimit(.minutes(3))) struct HomeAssistantTests {
    /// Home Assistant's discovery topic (homeassistant/components/mqtt/discovery.py, TOPIC_MATCHER).
    static let topicPattern = #"^homeassistant/(?<component>\w+)/(?:(?<node>[a-zA-Z0-9_-]+)/)?(?<object>[a-zA-Z0-9_-]+)/config$"#
    /// The units Home Assistant's sensor platform accepts per device class (homeassistant/components/
    /// sensor/const.py, DEVICE_CLASS_UNITS), for the classes the gateway uses.
    static let sensorUnits: [String: Set<String>] = [
        "voltage": ["V", "mV", "µV", "kV", "MV"],
        "current": ["A", "mA"],
        "battery": ["%"],
        "temperature": ["°C", "°F", "K"],
        "humidity": ["%"],
    ]
    /// Home Assistant's binary sensor device classes used here (BinarySensorDeviceClass).
    static let binaryClasses: Set<String> = ["connectivity", "problem"]
    static let stateClasses: Set<String> = ["measurement", "total", "total_increasing"]

    /// Renders `template` against `payload` with Jinja2 (scripts/peers/ha-render.py).
    static func render(_ items: [(template: String, payload: String)]) async throws -> [String] {
        let input = try JSONSerialization.data(withJSONObject: items.map { ["template": $0.template, "payload": $0.payload] })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ha-\(UUID().uuidString).json")
        try input.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (code, out) = try await runOff("sh", ["-c", "python3 \(repoRoot.appendingPathComponent("scripts/peers/ha-render.py").path) < \(file.path)"])
        #expect(code == 0, "\(out)")
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String]) ?? []
    }

    @Test func discoveredEntitiesAreValidAndReadTheLiveModel() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let recorder = try Recorder(dir: dir, port: broker.tlsPort, topic: "#")
        defer { recorder.stop() }
        let (sim, port) = try startSimulator(units: [1, 2], cells: 8)
        func config(_ name: String, homeAssistant: Bool) throws -> String {
            try dir.write(name, configText(
                data: dir.path, endpoints: [.tcp(port: port, unit: 1), .tcp(port: port, unit: 2)], cells: 8,
                extra: immediateAlarms + mqttSection(port: broker.tlsPort, extra: "  homeAssistant: { enabled: \(homeAssistant) }\n")))
        }
        let on = try config("on.yaml", homeAssistant: true)
        var gw = try RunningGateway(configFile: on)
        try pin(port, unit: 2, [(1004, [10900])])  // cell 5 of s2: 10.9 V, below the 11.5 V limit
        let prefix = "btms/test-gw"
        func configs() -> [String: [String: Any]] {
            Dictionary(recorder.json.filter { $0.topic.hasPrefix("homeassistant/") }.map { ($0.topic, $0.body) }, uniquingKeysWith: { $1 })
        }
        func last(_ topic: String) -> String? { recorder.messages.last { $0.topic == topic }?.payload }
        func lastAlarmState() -> [String: Any]? { recorder.json.last { $0.topic == "\(prefix)/alarm-state" }?.body }
        // 2 strings × (5 sensors + communication + alarm), the site's 4 extreme cells, 2 counts and the plant alarm.
        #expect(await eventually { configs().count == 21 }, "\(configs().keys.sorted())")
        #expect(await eventually {
            (lastAlarmState()?["strings"] as? [String: [String]])?["s2"] == ["Cell voltage low, cell 5"]
                && last("\(prefix)/site")?.contains("\"cellVoltageMin\":10.9") == true
                && last("\(prefix)/gateway") != nil && last("\(prefix)/strings/s1/measurement") != nil
        }, "\(recorder.messages.suffix(5).map(\.topic))")

        // What Home Assistant accepts: topic, unique ids, classes and units, a device and availability on each.
        let all = configs()
        let regex = try Regex(Self.topicPattern)
        var uniqueIds: Set<String> = []
        for (topic, c) in all {
            let match = try #require(topic.wholeMatch(of: regex), "\(topic)")
            let component = String(try #require(match["component"]?.substring))
            #expect(["sensor", "binary_sensor"].contains(component))
            #expect(match["node"]?.substring == "test-gw")
            let id = try #require(c["unique_id"] as? String)
            #expect(uniqueIds.insert(id).inserted, "unique_id \(id) twice")
            let deviceClass = c["device_class"] as? String
            if component == "sensor" {
                if let deviceClass {
                    #expect(Self.sensorUnits[deviceClass]?.contains(c["unit_of_measurement"] as? String ?? "") == true, "\(topic): \(c)")
                }
                #expect(Self.stateClasses.contains(c["state_class"] as? String ?? ""), "\(topic)")
            } else {
                #expect(deviceClass.map(Self.binaryClasses.contains) == true, "\(topic)")
            }
            let device = try #require(c["device"] as? [String: Any])
            #expect((device["identifiers"] as? [String])?.isEmpty == false && device["name"] is String)
            let availability = try #require((c["availability"] as? [[String: Any]])?.first)
            #expect(availability["topic"] as? String == "\(prefix)/status" && availability["payload_available"] as? String == "online")
            #expect((c["state_topic"] as? String)?.hasPrefix(prefix + "/") == true)
        }
        #expect(all["homeassistant/sensor/test-gw/s2_current/config"]?["unit_of_measurement"] as? String == "A")
        #expect((all["homeassistant/sensor/test-gw/s1_voltage/config"]?["device"] as? [String: Any])?["via_device"] as? String == "bmgw_test-gw")

        // Their templates, rendered as Home Assistant renders them, against the last message of each state topic.
        func entity(_ component: String, _ object: String) throws -> (template: String, payload: String) {
            let c = try #require(all["homeassistant/\(component)/test-gw/\(object)/config"], "\(object)")
            let state = try #require(c["state_topic"] as? String)
            return (try #require(c["value_template"] as? String), try #require(last(state), "\(state)"))
        }
        let measurement = try #require(recorder.json.last { $0.topic == "\(prefix)/strings/s1/measurement" }?.body)
        let values = try #require(measurement["values"] as? [String: Any])
        let rendered = try await Self.render([
            entity("sensor", "s1_voltage"), entity("sensor", "s1_soc"), entity("sensor", "site_cellVoltageMin"),
            entity("binary_sensor", "s2_alarm"), entity("binary_sensor", "s1_alarm"), entity("binary_sensor", "site_alarm"),
            entity("binary_sensor", "s1_communication"), entity("sensor", "site_stringsCommLost"),
        ])
        try #require(rendered.count == 8, "\(rendered)")
        #expect(Double(rendered[0]) == values["voltage"] as? Double && Double(rendered[1]) == values["soc"] as? Double, "\(rendered) vs \(values)")
        #expect(rendered[2] == "10.9", "the site's lowest cell: \(rendered)")
        #expect(Array(rendered[3...7]) == ["ON", "OFF", "ON", "ON", "0"], "\(rendered)")
        let attributes = all["homeassistant/sensor/test-gw/site_cellVoltageMin/config"]?["json_attributes_template"] as? String ?? ""
        let cell = try await Self.render([(attributes, try #require(last("\(prefix)/site")))])
        #expect(cell == ["{\"cell\": \"s2 cell 5\"}"], "\(cell)")

        // A restart with the alarm still active: the alarm state published at start comes from the database.
        try await gw.stop()
        let before = recorder.messages.count
        gw = try RunningGateway(configFile: on)
        #expect(await eventually {
            recorder.json.dropFirst(before).contains { $0.topic == "\(prefix)/alarm-state" && ($0.body["strings"] as? [String: [String]])?["s2"] != nil }
        }, "\(recorder.messages.dropFirst(before).map(\.topic))")

        // Retained at the broker: a new subscriber gets every configuration at once.
        let probe = try Recorder(dir: dir, port: broker.tlsPort, topic: "homeassistant/#", name: "retained-on")
        #expect(await eventually { Set(probe.messages.map(\.topic)).count == 21 }, "\(probe.messages.count)")
        probe.stop()

        // Switched off by a reload: every configuration is removed (an empty retained message), none is left at the broker.
        #expect(try gw.gateway.reload(GatewayConfig.load(file: try config("off.yaml", homeAssistant: false))).isEmpty)
        // A new subscriber gets at once what the broker retains (mosquitto_sub's own -W timeout relies on
        // SIGALRM, which test children do not get: the subscriber is stopped instead).
        var retained: [(topic: String, payload: String)] = [("none checked", "")]
        for attempt in 1...5 where !retained.isEmpty {
            let probe = try Recorder(dir: dir, port: broker.tlsPort, topic: "homeassistant/#", name: "retained-\(attempt)")
            try await Task.sleep(for: .seconds(2))
            probe.stop()
            retained = probe.messages
        }
        #expect(retained.isEmpty, "discovery configurations left retained: \(retained.map(\.topic))")
        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }
}
