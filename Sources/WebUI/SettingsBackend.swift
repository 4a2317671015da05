public import ConfigSupport
public import GatewayConfig

/// What the settings pages need from the running gateway; the gateway implements it, so the web
/// module applies settings through the same path as a reload (SIGHUP) without depending on it.
public protocol SettingsBackend: Sendable {
    /// The configuration in force (the file with the saved sections over it).
    var current: GatewayConfig { get }
    /// The sections saved by the web UI so far.
    func saved() throws -> SettingsDocument
    /// Checks a section with the whole configuration, saves it and applies it. Throws the
    /// configuration's problems (paths are the form's field names) and changes nothing then.
    func apply(section: String, pairs: [String: String]) async throws -> SettingsOutcome
    /// Sends a test message through the configured channel (`email` or `sms`); nil when it went out,
    /// else the error. Logged in the delivery log like any notification.
    func sendTest(channel: String, to: String) async -> String?
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

    public init(restartNeeded: [String] = [], system: String? = nil) {
        self.restartNeeded = restartNeeded
        self.system = system
    }
}
