import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig
import Notifications
import Storage

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
        let subject = "[BTMS \(cfg.gatewayId)] test e-mail"
        let body = "This is a test message from BTMS gateway \(cfg.gatewayId) (\(cfg.topology.siteName)).\nE-mail notifications work."
        let result: DeliveryError?
        do {
            try SMTPMailer(settings: email).send(to: to, subject: subject, body: body)
            result = nil
        } catch { result = error }
        try logTestAttempt(cfg, channel: "email", contact: to, subject: subject, error: result)
        if let result {
            printError("test e-mail failed: \(result)")
            throw ExitCode(1)
        }
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
        let text = "BTMS \(cfg.gatewayId): test SMS, notifications work."
        let result: DeliveryError?
        do {
            if let modem = cfg.notifications.smsModem {
                try ModemSMS(settings: modem).send(to: to, text: text)
            } else if let http = cfg.notifications.smsHTTP {
                try HTTPSMSGateway(settings: http).send(to: to, text: text)
            } else {
                printError("\(config): notifications.sms (modem or http) is not configured")
                throw ExitCode(2)
            }
            result = nil
        } catch let error as DeliveryError { result = error }
        try logTestAttempt(cfg, channel: "sms", contact: to, subject: "test SMS", error: result)
        if let result {
            printError("test SMS failed: \(result)")
            throw ExitCode(1)
        }
        FileOutput.standardOutput.write("test SMS sent to \(to)\n")
    }
}

/// Records a test in the delivery log, when the gateway's database exists.
private func logTestAttempt(_ cfg: GatewayConfig, channel: String, contact: String, subject: String, error: DeliveryError?) throws {
    let path = Gateway.databasePath(dataDirectory: cfg.dataDirectory)
    guard FileManager.default.fileExists(atPath: path) else { return }
    let store = try HistoryStore(path: path)
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let q = NotificationStore.Queued(id: 0, channel: channel, recipient: "test", contact: contact, subject: subject, body: "", attempts: 0)
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
        for e in try n.log(channel: channel, limit: limit) {
            table.rows.append([StatusText.isoTime(e.at), e.channel, e.recipient, e.contact, e.status, String(e.attempt),
                               String(e.subject.prefix(60)), e.error ?? ""])
        }
        FileOutput.standardOutput.write("\(try n.pendingCount()) message(s) queued\n" + table.render() + "\n")
    }
}
