import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig
import Notifications
import Storage
import GatewayServices

struct TestEmailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-email", abstract: "Send a test e-mail with the configured SMTP settings; logged like any notification.")

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Option(help: "Address to send to.")
    var to: String

    func validate() throws {
        guard GatewayConfig.isEmailAddress(to) else { throw ValidationError("--to: not an e-mail address") }
    }

    func run() throws {
        let cfg = try loadConfig(config)
        guard let email = cfg.notifications.email else {
            printError("\(config): notifications.email is not configured")
            throw ExitCode(2)
        }
        try sendTest(cfg, channel: .email, to: to, subject: "[BTMS \(cfg.gatewayId)] test e-mail",
                     body: "This is a test message from BTMS gateway \(cfg.gatewayId) (\(cfg.topology.siteName)).\nE-mail notifications work.")
        FileOutput.standardOutput.write("test e-mail sent to \(to) via \(email.host):\(email.port)\n")
    }
}

struct TestSMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-sms", abstract: "Send a test SMS through the configured modem or HTTP gateway; logged like any notification.")

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Option(help: "International phone number, e.g. +4915112345678.")
    var to: String

    func validate() throws {
        guard GatewayConfig.isPhoneNumber(to) else { throw ValidationError("--to: not an international number like +4915112345678") }
    }

    func run() throws {
        let cfg = try loadConfig(config)
        guard cfg.notifications.smsModem != nil || cfg.notifications.smsHTTP != nil else {
            printError("\(config): notifications.sms (modem or http) is not configured")
            throw ExitCode(2)
        }
        try sendTest(cfg, channel: .sms, to: to, subject: "test SMS", body: "BTMS \(cfg.gatewayId): test SMS, notifications work.")
        FileOutput.standardOutput.write("test SMS sent to \(to)\n")
    }
}

/// Sends a test message through the same delivery code as alarms, logs the attempt, exits 1 on failure.
private func sendTest(_ cfg: GatewayConfig, channel: NotificationChannel, to: String, subject: String, body: String) throws {
    let q = NotificationStore.Queued(id: 0, channel: channel, recipient: "test", contact: to, subject: subject, body: body, attempts: 0)
    let error = NotificationService.deliver(q, settings: cfg.notifications)
    try logTestAttempt(cfg, q, error: error)
    if let error {
        printError("test \(channel.label) failed: \(error)")
        throw ExitCode(1)
    }
}

/// Records a test in the delivery log, when the gateway's database exists.
private func logTestAttempt(_ cfg: GatewayConfig, _ q: NotificationStore.Queued, error: DeliveryError?) throws {
    let path = Gateway.databasePath(dataDirectory: cfg.dataDirectory)
    guard FileManager.default.fileExists(atPath: path) else { return }
    let store = try GatewayDatabase(path: path, parts: Gateway.tables)
    let now = Timestamp.now.millis
    // A test is not retried; a failure is logged as "failed" (the queue has no row id 0 to update).
    try NotificationStore(db: store.db).record(q, at: now, error: error?.description, retryAt: error == nil ? nil : now)
}

struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications", abstract: "The e-mail and SMS delivery log (newest first) and what is still queued.")

    @OptionGroup var source: DataSourceOptions

    @Option(help: "email or sms (default: both).")
    var channel: String?

    @Option(help: "How many entries.")
    var limit = 50

    func run() throws {
        let store = try source.openStore()
        let n = NotificationStore(db: store.db)
        var table = TextTable(header: ["time", "channel", "recipient", "contact", "status", "attempt", "subject", "error"])
        let only = try channel.map { name in
            guard let c = NotificationChannel(rawValue: name) else { throw ValidationError("--channel: '\(name)' is not email or sms") }
            return c
        }
        for e in try n.log(channel: only, limit: limit) {
            table.rows.append([Timestamp(millis: e.at).iso, e.channel.rawValue, e.recipient, e.contact, e.status, String(e.attempt),
                               String(e.subject.prefix(60)), e.error ?? ""])
        }
        FileOutput.standardOutput.write("\(try n.pendingCount()) message(s) queued\n" + table.render() + "\n")
    }
}
