import ConfigSupport
public import GatewayConfig
public import Notifications

/// What the settings pages need from the running gateway; the gateway implements it, so the web
/// module applies settings through the same path as a reload (SIGHUP) without depending on it.
public protocol SettingsBackend: Sendable {
    /// The configuration in force (the file with the saved sections over it).
    var current: GatewayConfig { get }
    /// A section as it is in force, as `path = text` pairs: saved by the web UI, else the file's.
    func pairs(section: String) throws -> [String: String]
    /// Makes the section's new pairs from its current ones with `update`, checks them with the whole
    /// configuration, saves and applies them; one change at a time, so two pages that edit the
    /// same section never lose each other's change. Throws the configuration's problems (paths are
    /// the form's field names) and changes nothing then.
    func apply(section: String, update: @escaping @Sendable ([String: String]) -> [String: String]) async throws -> SettingsOutcome
    /// Sends a test message through the configured channel (`email` or `sms`); nil when it went out,
    /// else the error. Logged in the delivery log like any notification.
    func sendTest(channel: NotificationChannel, to: String) async -> String?
    /// The MQTT uplink's state as label → value lines (nil without an uplink).
    func uplinkState() -> [(String, String)]?
    /// Users' alarm contacts changed: the notifier takes the new list.
    func usersChanged() async
}

/// What happened after a section was saved.
public struct SettingsOutcome: Sendable {
    /// Settings saved but used only after a restart.
    public var restartNeeded: [String] = []
    /// For network and time: files written and what the apply command said.
    public var system: String?
    /// The section before and after (for the audit log).
    public var before: [String: String] = [:]
    public var after: [String: String] = [:]

    public init(restartNeeded: [String] = [], system: String? = nil) {
        self.restartNeeded = restartNeeded
        self.system = system
    }
}
