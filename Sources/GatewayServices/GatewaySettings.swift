import BatteryModel
import ConfigSupport
import Foundation
import GatewayConfig
import Logging
import Notifications
import Storage
import SystemFiles
import Uplink
import WebUI

/// The web UI's settings pages on the running gateway: a saved section is checked with the whole
/// configuration, written to `<data>/settings.yaml` (mode 0600: it holds passwords) and applied
/// through ``Gateway/reload(_:)``, the path SIGHUP takes. An actor, so two saves never interleave.
actor GatewaySettings: SettingsBackend {
    let gateway: Gateway
    let logger: Logger

    init(gateway: Gateway, logger: Logger) {
        self.gateway = gateway
        self.logger = logger
    }

    nonisolated var current: GatewayConfig { gateway.live.current }

    /// The sections saved by the web UI so far.
    nonisolated func saved() throws -> SettingsDocument {
        let path = current.settingsFile
        guard FileManager.default.fileExists(atPath: path) else { return SettingsDocument() }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let document = SettingsDocument(yaml: text) else {
            throw ConfigError(problems: [ConfigProblem(file: path, path: "", message: "is not a mapping of settings sections")])
        }
        return document
    }

    nonisolated func pairs(section: String) throws -> [String: String] {
        let saved = try saved()
        if saved.sections.contains(section) { return saved.section(section) }
        let text = try String(contentsOfFile: current.file, encoding: .utf8)
        return SettingsDocument(yaml: text)?.section(section) ?? [:]
    }

    // One apply at a time, across the awaits inside it (an actor alone lets calls interleave there).
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if busy { await withCheckedContinuation { waiting.append($0) } } else { busy = true }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    func apply(section: String, update: @escaping @Sendable ([String: String]) -> [String: String]) async throws -> SettingsOutcome {
        await acquire()
        defer { release() }
        guard GatewayConfig.editableSections.contains(section) else {
            throw ConfigError(problems: [ConfigProblem(file: current.settingsFile, path: section, message: "is not a section the web UI may change")])
        }
        let before = try pairs(section: section)
        var pairs = update(before)
        // A one-off clock setting is passed to the apply command, not saved.
        var setTime: Date?
        var problems: [ConfigProblem] = []
        if section == "time", let text = pairs.removeValue(forKey: "setTime"), !text.isEmpty {
            if let ms = TimeText.parse(text) {
                setTime = Timestamp(millis: ms).date
            } else {
                problems.append(ConfigProblem(file: current.settingsFile, path: "time.setTime", message: "'\(text)' is not a time like 2026-11-25T14:30:00Z"))
            }
        }
        var document = try saved()
        let previous = FileManager.default.contents(atPath: current.settingsFile)
        document.replace(section: section, with: pairs)
        let text = try document.yaml()
        let new: GatewayConfig
        do {
            new = try GatewayConfig.load(file: current.file, settingsText: text)
        } catch {
            throw ConfigError(problems: problems + error.problems)
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        try PrivateFile.write(Data(text.utf8), to: new.settingsFile)
        var outcome: SettingsOutcome
        do {
            outcome = SettingsOutcome(restartNeeded: try gateway.reload(new))
        } catch {
            // Not applied: the file goes back to what is in force, so a restart does not surprise.
            if let previous { try? PrivateFile.write(previous, to: new.settingsFile) } else { try? FileManager.default.removeItem(atPath: new.settingsFile) }
            throw error
        }
        (outcome.before, outcome.after) = (before, pairs)
        if section == "network" || section == "time" {
            let files = SystemFiles(settings: new.systemFiles)
            do {
                let written = try files.write(section, config: new, setTime: setTime)
                let result = await files.apply(section, config: new, setTime: setTime, logger: logger)
                outcome.system = "wrote \(written.joined(separator: ", ")); \(result)"
            } catch {
                // Saved, but the system files could not be written (folder not writable): said, not hidden.
                logger.error("system settings: files not written", metadata: ["directory": "\(new.systemFiles.directory)", "error": "\(error)"])
                outcome.system = "the settings are saved, but the files could not be written to \(new.systemFiles.directory): \(error.localizedDescription)"
            }
        }
        logger.notice("settings saved in the web UI", metadata: ["section": "\(section)"])
        return outcome
    }

    nonisolated func sendTest(channel: NotificationChannel, to: String) async -> String? {
        let config = current
        let subject = channel == .email ? "[BTMS \(config.gatewayId)] test e-mail" : "test SMS"
        let body = channel == .email
            ? "This is a test message from BTMS gateway \(config.gatewayId) (\(config.topology.siteName)).\nE-mail notifications work."
            : "BTMS \(config.gatewayId): test SMS, notifications work."
        let q = NotificationStore.Queued(id: 0, channel: channel, recipient: "test", contact: to, subject: subject, body: body, attempts: 0)
        let settings = config.notifications
        // Delivery blocks (SMTP, modem): on a thread of its own.
        let error = await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            Thread.detachNewThread { c.resume(returning: NotificationService.deliver(q, settings: settings)?.description) }
        }
        let now = Timestamp.now.millis
        _ = try? await gateway.store.run { s in
            try NotificationStore(db: s.db).record(q, at: now, error: error, retryAt: error == nil ? nil : now)
        }
        return error
    }

    nonisolated func uplinkState() -> [(String, String)]? {
        guard let s = gateway.uplinkStatus else { return nil }
        func time(_ ms: Int64?) -> String { ms.map { Timestamp(millis: $0).iso } ?? "never" }
        return [("State", s.state.rawValue), ("Broker", s.broker), ("Connected since", time(s.connectedSince)),
                ("Messages in the outbox", String(s.outboxMessages)), ("Outbox size", "\(s.outboxBytes / 1024) KiB"),
                ("In flight", String(s.inflight)), ("Acknowledged", String(s.acknowledged)), ("Dropped (outbox full)", String(s.dropped)),
                ("Refused by the broker", String(s.rejected)), ("Last acknowledgement", time(s.lastAckAt)),
                ("Last error", s.lastError.map { "\($0) (\(time(s.lastErrorAt)))" } ?? "none")]
    }

    nonisolated func usersChanged() async {
        do {
            try await gateway.refreshUserRecipients()
        } catch {
            logger.error("alarm contacts of the users not read", metadata: ["error": "\(error)"])
        }
    }
}
