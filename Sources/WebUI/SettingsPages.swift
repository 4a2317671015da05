import BatteryModel
import Foundation
import GatewayConfig

/// The data-centre settings pages: which configuration section each edits and its fields.
/// The keys and their rules are the configuration file's (docs/configuration.md).
enum SettingsPages {
    typealias F = SettingsForm.Field

    static let all: [(id: String, form: SettingsForm)] = [
        ("network", network), ("time", time), ("email", email), ("sms", sms), ("snmp", snmp), ("mqtt", mqtt), ("project", project),
        ("remote-access-listener", remoteAccess), ("battery", battery),
    ]

    static func form(_ id: String) -> SettingsForm? { all.first { $0.id == id }?.form }

    static func port(_ role: String, _ title: String) -> [F] {
        [F(path: "\(role).interface", label: "\(title) interface", hint: "Linux name, e.g. eth0"),
         F(path: "\(role).mode", label: "\(title) address", kind: .choice(["dhcp", "static"]), preset: "dhcp"),
         F(path: "\(role).address", label: "\(title) IP address", hint: "static only"),
         F(path: "\(role).netmask", label: "\(title) netmask", hint: "255.255.255.0 or 24"),
         F(path: "\(role).gateway", label: "\(title) default gateway"),
         F(path: "\(role).dns", label: "\(title) DNS servers", kind: .list, hint: "comma-separated")]
    }

    static let network = SettingsForm(
        section: "network", title: "Network",
        intro: "LAN and WAN ports, written as systemd-networkd files into the system folder, then the apply command runs.",
        fields: port("lan", "LAN") + port("wan", "WAN"))

    static let time = SettingsForm(
        section: "time", title: "Time and NTP",
        intro: "Time zone and NTP servers, written for systemd-timesyncd and chrony into the system folder, then the apply command runs.",
        // The zones of the system's zone database (tzdata), as the loader accepts them.
        fields: [F(path: "zone", label: "Time zone", kind: .choice(TimeZone.knownTimeZoneIdentifiers.sorted()),
                   hint: "pages, plots, e-mails and SMS show times in it", preset: TimeSettings().zone),
                 F(path: "ntp.enabled", label: "Synchronise with NTP", kind: .bool, preset: "true"),
                 F(path: "setTime", label: "Set the clock once to", hint: "only with NTP off; e.g. 2026-11-25T14:30:00Z")],
        tables: [.init(path: "ntp.servers", label: "NTP servers",
                       columns: [F(path: "host", label: "Host"), F(path: "port", label: "Port", kind: .number)],
                       hint: "Port 123 unless given; systemd-timesyncd uses only servers on port 123.")])

    static let email = SettingsForm(
        section: "notifications", title: "E-mail (SMTP)",
        intro: "The server that sends alarm e-mails. Who receives them: the users page (alarm e-mails) and the configuration file's recipients.",
        fields: [F(path: "email.host", label: "SMTP server"),
                 F(path: "email.port", label: "Port", kind: .number, hint: "587 for starttls, 465 for tls"),
                 F(path: "email.security", label: "Security", kind: .choice(["starttls", "tls", "none"]), preset: "starttls"),
                 F(path: "email.username", label: "User name"),
                 F(path: "email.password", label: "Password", kind: .password, hint: "empty keeps the current one"),
                 F(path: "email.from", label: "Sender address"),
                 F(path: "email.verifyCertificate", label: "Check the server certificate", kind: .bool, preset: "true"),
                 F(path: "batchWindow", label: "Batch window", hint: "alarms within it go out in one message, e.g. 60s", preset: "60s")])

    static let sms = SettingsForm(
        section: "notifications", title: "SMS",
        intro: "A modem on a serial port or an HTTP SMS gateway (one of them). Who receives SMS: the users page and the configuration file's recipients.",
        fields: [F(path: "sms.modem.device", label: "Modem device", hint: "e.g. /dev/ttyUSB2"),
                 F(path: "sms.modem.baud", label: "Modem baud rate", kind: .number, preset: "115200"),
                 F(path: "sms.modem.pin", label: "SIM PIN", kind: .password, hint: "empty keeps the current one"),
                 F(path: "sms.http.url", label: "HTTP gateway URL", hint: "{to} and {text} are filled in"),
                 F(path: "sms.http.method", label: "HTTP method", kind: .choice(["POST", "PUT", "GET"]), preset: "POST"),
                 F(path: "sms.http.body", label: "HTTP body", kind: .textarea),
                 F(path: "sms.http.username", label: "HTTP user name"),
                 F(path: "sms.http.password", label: "HTTP password", kind: .password, hint: "empty keeps the current one")])

    static let snmp = SettingsForm(
        section: "snmp", title: "SNMP",
        intro: "The SNMP agent (docs/snmp.md). Communities, users and destinations apply at once; listen address and mode after a restart.",
        fields: [F(path: "enabled", label: "Agent enabled", kind: .bool, preset: "true"),
                 F(path: "listen", label: "Listen on", hint: "e.g. udp:161 (restart)", preset: "udp:127.0.0.1:1161"),
                 F(path: "v2c", label: "SNMP v2c (read-only)", kind: .bool, preset: "true"),
                 F(path: "community", label: "v2c community", kind: .password, hint: "empty keeps the current one"),
                 F(path: "sources", label: "v2c allowed from", kind: .list, hint: "addresses or networks, comma-separated, e.g. 10.1.0.0/16, any; empty = this machine only"),
                 F(path: "trapDestinations", label: "v2c trap destinations", kind: .list, hint: "HOST:PORT, comma-separated"),
                 F(path: "batteryMib", label: "Standard BATTERY-MIB and ENTITY-MIB", kind: .bool, hint: "RFC 7577 / RFC 6933 (restart)", preset: "true"),
                 F(path: "batteryNotifications", label: "BATTERY-MIB notifications", kind: .bool,
                   hint: "low, critical, temperature, aging, beside ours (restart)", preset: "true")],
        tables: [.init(path: "users", label: "SNMPv3 users (SHA-256 / AES)",
                       columns: [F(path: "name", label: "User"),
                                 F(path: "authPassphrase", label: "Auth passphrase", kind: .password),
                                 F(path: "privPassphrase", label: "Privacy passphrase", kind: .password),
                                 F(path: "access", label: "Access", kind: .choice(["read", "write"]), preset: "read")],
                       hint: "Passphrases: at least 8 characters; empty keeps the user's current one."),
                 .init(path: "informs", label: "SNMPv3 inform destinations",
                       columns: [F(path: "address", label: "HOST:PORT"), F(path: "user", label: "User")])])

    static let mqtt = SettingsForm(
        section: "mqtt", title: "MQTT / cloud",
        intro: "The uplink to the cloud broker (docs/mqtt.md). Changes apply at once: the gateway leaves the old broker and connects with the new settings.",
        fields: [F(path: "enabled", label: "Uplink enabled", kind: .bool, preset: "true"),
                 F(path: "host", label: "Broker host"),
                 F(path: "port", label: "Port", kind: .number, hint: "8883 with TLS"),
                 F(path: "protocol", label: "MQTT version", kind: .choice(["5", "3.1.1"]), preset: "5"),
                 F(path: "username", label: "User name"),
                 F(path: "password", label: "Password", kind: .password, hint: "empty keeps the current one"),
                 F(path: "tls.enabled", label: "TLS", kind: .bool, preset: "true"),
                 F(path: "tls.caFile", label: "CA file", hint: "path on the gateway"),
                 F(path: "tls.certFile", label: "Client certificate file"),
                 F(path: "tls.keyFile", label: "Client key file"),
                 F(path: "topicPrefix", label: "Topic prefix"),
                 F(path: "publishInterval", label: "Publish interval", hint: "e.g. 10s", preset: "10s"),
                 F(path: "statusInterval", label: "Status interval", hint: "e.g. 60s", preset: "60s"),
                 F(path: "outbox.maxMegabytes", label: "Outbox limit (MiB)", kind: .number),
                 F(path: "homeAssistant.enabled", label: "Home Assistant discovery", kind: .bool, preset: "false"),
                 F(path: "homeAssistant.discoveryPrefix", label: "Home Assistant discovery prefix", preset: "homeassistant"),
                 F(path: "format", label: "Payloads", kind: .choice(["json", "sparkplugB", "both"]),
                   hint: "our JSON topic tree, Sparkplug B, or both (a second connection); a change needs a restart", preset: "json"),
                 F(path: "sparkplug.groupId", label: "Sparkplug group id", preset: "btms"),
                 F(path: "sparkplug.edgeNodeId", label: "Sparkplug edge node id", hint: "empty: the gateway id")])

    static let remoteAccess = SettingsForm(
        section: "remoteAccess", title: "Remote access listener",
        intro: "Modbus/TCP Security for service engineers (docs/remote-access.md). Saved at once, used after a restart. Unit and role tables stay as configured in the file.",
        fields: [F(path: "enabled", label: "Remote access enabled", kind: .bool, preset: "true"),
                 F(path: "listen", label: "Listen address", hint: "HOST:PORT; 802 is the standard port", preset: "0.0.0.0:802"),
                 F(path: "maxConnections", label: "Sessions at once", kind: .number, preset: "4"),
                 F(path: "idleTimeout", label: "Idle timeout", hint: "e.g. 5m", preset: "5m"),
                 F(path: "requestsPerSecond", label: "Requests per second per session", kind: .number, preset: "50"),
                 F(path: "hostName", label: "Host name in the listener's certificate", preset: "btms-gateway"),
                 F(path: "certificateDays", label: "Default validity of issued certificates (days)", kind: .number, preset: "365")])

    static let battery = SettingsForm(
        section: "battery", title: "Battery data",
        intro: "The batteries' data sheet (docs/analytics.md): what discharge reports, remaining-life estimates and BATTERY-MIB measure against. "
            + "Empty fields take the defaults for 12 V VRLA blocks, which every report names. A row per string sets that string's own values. "
            + "Saved at once, used after a restart.",
        fields: [F(path: "technology", label: "Technology", kind: .choice([""] + BatteryTechnology.allCases.map(\.rawValue))),
                 F(path: "capacityAh", label: "Rated capacity (Ah)", kind: .number, hint: "default 100"),
                 F(path: "ratedHours", label: "Rated discharge time (h)", kind: .number, hint: "the capacity's rating, C10: 10"),
                 F(path: "cellVoltage", label: "Nominal voltage per monitored cell (V)", kind: .number, hint: "2 for a cell, 12 for a block"),
                 F(path: "endCellVoltage", label: "End-of-discharge voltage per cell (V)", kind: .number, hint: "e.g. 1.75 or 10.5"),
                 F(path: "peukertExponent", label: "Peukert exponent", kind: .number, hint: "1…2; default 1.10"),
                 F(path: "replacement.capacityPercent", label: "Replace below capacity (%)", kind: .number, hint: "IEEE 450: 80"),
                 F(path: "replacement.resistanceRisePercent", label: "Replace at resistance rise over baseline (%)", kind: .number, hint: "default 50"),
                 F(path: "replacement.sohPercent", label: "Replace at SoH (%)", kind: .number, hint: "default 80")],
        tables: [.init(path: "temperatureCorrection", label: "Temperature correction K_T (empty: IEEE 450 Table 1)",
                       columns: [F(path: "celsius", label: "°C", kind: .number), F(path: "factor", label: "Factor", kind: .number)],
                       hint: "The capacity-test time is divided by the factor at the cells' temperature; interpolated between rows."),
                 .init(path: "strings", label: "Strings with their own data",
                       columns: [F(path: "string", label: "String id"), F(path: "capacityAh", label: "Ah", kind: .number),
                                 F(path: "ratedHours", label: "Rated h", kind: .number), F(path: "cellVoltage", label: "Cell V", kind: .number),
                                 F(path: "endCellVoltage", label: "End V", kind: .number)],
                       hint: "Over the plant's values and the string's own block in the configuration file.")])

    static let project = SettingsForm(
        section: "project", title: "Project",
        intro: "Shown in the header of every page.",
        fields: [F(path: "name", label: "Project name"), F(path: "company", label: "Company"),
                 F(path: "url", label: "URL", hint: "https://…"), F(path: "owner", label: "Owner")])
}
