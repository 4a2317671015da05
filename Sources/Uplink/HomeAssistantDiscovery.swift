import BatteryModel
import Foundation

/// Home Assistant MQTT discovery (docs/mqtt.md): one retained configuration per entity under
/// `<discovery prefix>/<component>/<node>/<object>/config`, so a Home Assistant on the same broker
/// finds the gateway and its strings by itself. Each string is a device with its voltage, current,
/// SoC, temperature and humidity (read from its measurement topic), a communication and an alarm
/// binary sensor; the gateway is a device with the site's extreme cells and a plant alarm. Cells are
/// not entities each: 3 840 of them would flood a house's Home Assistant.
extension UplinkPayloads {
    public struct Entity: Sendable, Equatable {
        public let topic: String
        public let payload: [UInt8]
    }

    /// Home Assistant's node and object ids allow `[a-zA-Z0-9_-]`: anything else becomes `_`.
    static func slug(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" })
    }

    /// Every entity's configuration. Sensors of a string expire after three publish intervals
    /// without a measurement (a controller that stopped answering publishes none).
    public func homeAssistantEntities(discoveryPrefix: String, topics: UplinkTopics, publishInterval: Duration) -> [Entity] {
        let node = Self.slug(gatewayId)
        let gatewayDevice = Device(identifiers: ["bmgw_\(node)"], name: topology.siteName.isEmpty ? "BTMS gateway \(gatewayId)" : "BTMS gateway \(topology.siteName)",
                                   manufacturer: "BTMS", model: "BTMS Gateway", sw_version: version, via_device: nil)
        let availability = [Availability(topic: topics.status, payload_available: "online", payload_not_available: "offline")]
        let origin = Origin(name: "bmgw", sw_version: version)
        let expire = max(Int((Double(publishInterval.components.seconds) + Double(publishInterval.components.attoseconds) / 1e18) * 3), 10)
        var out: [Entity] = []

        func add(_ component: String, _ object: String, _ config: Config) {
            out.append(Entity(topic: "\(discoveryPrefix)/\(component)/\(node)/\(object)/config", payload: Self.encode(config)))
        }

        for string in topology.strings {
            let ups = topology.upses[string.upsIndex]
            let s = Self.slug(string.id)
            let device = Device(identifiers: ["bmgw_\(node)_\(s)"], name: "\(ups.name) \(string.name)", manufacturer: "BTMS",
                                model: "Battery string, \(string.cellCount) cells", sw_version: nil, via_device: "bmgw_\(node)")
            for q in StringQuantity.allCases {
                let (deviceClass, unit) = Self.classAndUnit(q)
                add("sensor", "\(s)_\(q.rawValue)", Config(
                    name: q.title.prefix(1).uppercased() + q.title.dropFirst(), unique_id: "bmgw_\(node)_\(s)_\(q.rawValue)", state_topic: topics.measurement(string: string.id),
                    value_template: "{{ value_json['values']['\(q.rawValue)'] }}", device_class: deviceClass, state_class: "measurement",
                    unit_of_measurement: unit, suggested_display_precision: q.digits == 3 ? 2 : 1, expire_after: expire,
                    availability: availability, device: device, origin: origin))
            }
            add("binary_sensor", "\(s)_communication", Config(
                name: "Communication", unique_id: "bmgw_\(node)_\(s)_communication", state_topic: topics.gateway,
                value_template: "{{ 'ON' if value_json['strings']['\(string.id)'] == 'ok' else 'OFF' }}", device_class: "connectivity",
                entity_category: "diagnostic", availability: availability, device: device, origin: origin))
            add("binary_sensor", "\(s)_alarm", Config(
                name: "Alarm", unique_id: "bmgw_\(node)_\(s)_alarm", state_topic: topics.alarmState,
                value_template: "{{ 'ON' if '\(string.id)' in value_json['strings'] else 'OFF' }}", device_class: "problem",
                json_attributes_topic: topics.alarmState,
                json_attributes_template: "{{ {'alarms': value_json['strings'].get('\(string.id)', [])} | tojson }}",
                availability: availability, device: device, origin: origin))
        }

        // The data centre's extreme cells, with which cell as an attribute.
        let extremes: [(key: String, name: String, deviceClass: String?, unit: String, digits: Int)] = [
            ("cellVoltageMin", "Lowest cell voltage", "voltage", "V", 3), ("cellVoltageMax", "Highest cell voltage", "voltage", "V", 3),
            ("cellResistanceMax", "Highest cell resistance", nil, "mΩ", 3),
            ("cellTemperatureMax", "Highest cell temperature", "temperature", "°C", 1),
        ]
        for e in extremes {
            add("sensor", "site_\(e.key)", Config(
                name: e.name, unique_id: "bmgw_\(node)_site_\(e.key)", state_topic: topics.site, value_template: "{{ value_json['\(e.key)'] }}",
                device_class: e.deviceClass, state_class: "measurement", unit_of_measurement: e.unit, suggested_display_precision: e.digits,
                expire_after: expire, json_attributes_topic: topics.site,
                json_attributes_template: "{{ {'cell': value_json['\(e.key)At']} | tojson }}",
                availability: availability, device: gatewayDevice, origin: origin))
        }
        for (key, name) in [("stringsCommLost", "Strings without communication"), ("stringsDischarging", "Strings discharging")] {
            add("sensor", "site_\(key)", Config(
                name: name, unique_id: "bmgw_\(node)_site_\(key)", state_topic: topics.site, value_template: "{{ value_json['\(key)'] }}",
                state_class: "measurement", expire_after: expire, availability: availability, device: gatewayDevice, origin: origin))
        }
        add("binary_sensor", "site_alarm", Config(
            name: "Plant alarm", unique_id: "bmgw_\(node)_site_alarm", state_topic: topics.alarmState,
            value_template: "{{ 'ON' if value_json['count'] > 0 else 'OFF' }}", device_class: "problem",
            json_attributes_topic: topics.alarmState, json_attributes_template: "{{ {'active': value_json['count']} | tojson }}",
            availability: availability, device: gatewayDevice, origin: origin))
        return out
    }

    /// Home Assistant's sensor device class and unit of each string quantity (its `SensorDeviceClass`
    /// units: V, A, %, °C; relative humidity is `%` there).
    static func classAndUnit(_ q: StringQuantity) -> (String, String) {
        switch q {
        case .voltage: ("voltage", "V")
        case .current: ("current", "A")
        case .soc: ("battery", "%")
        case .temperature: ("temperature", "°C")
        case .humidity: ("humidity", "%")
        }
    }

    // Field names are Home Assistant's own (snake_case), hence the spelling.
    struct Device: Encodable, Sendable {
        let identifiers: [String]
        let name: String, manufacturer: String, model: String
        let sw_version: String?, via_device: String?
    }

    struct Availability: Encodable, Sendable {
        let topic: String, payload_available: String, payload_not_available: String
    }

    struct Origin: Encodable, Sendable {
        let name: String, sw_version: String
    }

    struct Config: Encodable, Sendable {
        var name: String
        var unique_id: String
        var state_topic: String
        var value_template: String
        var device_class: String? = nil
        var state_class: String? = nil
        var unit_of_measurement: String? = nil
        var suggested_display_precision: Int? = nil
        var entity_category: String? = nil
        var expire_after: Int? = nil
        var json_attributes_topic: String? = nil
        var json_attributes_template: String? = nil
        var availability: [Availability]
        var device: Device
        var origin: Origin
    }
}
