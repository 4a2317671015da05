public import Storage

/// `manifest.json`, the archive's first entry: what the backup holds, from which gateway, at which
/// schema, and each entry's size and SHA-256 (a restore checks them all before it writes anything).
public struct BackupManifest: Codable, Sendable {
    /// This layout; a restore refuses a newer one.
    public static let currentFormat = 1
    public static let entryName = "manifest.json"

    public enum Kind: String, Codable, Sendable {
        /// The configuration file and the site's register maps beside it.
        case configuration
        /// `settings.yaml`: what was saved in the web UI.
        case settings
        /// The gateway's database: users, alarm log, discharges, notifications, and the history unless left out.
        case database
        /// The MQTT outboxes: messages not yet delivered.
        case outbox
        /// TLS keys and certificates, the remote-access CA, SNMPv3 keys: only with `secrets`.
        case secret
        /// The logo of the web UI.
        case branding
        case other
    }

    public struct Entry: Codable, Sendable, Equatable {
        /// Path in the archive: `config/…`, `data/…` (relative to the data folder) or `files/…` (absolute, outside it).
        public var path: String
        public var kind: Kind
        public var bytes: Int64
        public var sha256: String
        public var mode: Int
    }

    public var format: Int
    public var gatewayVersion: String
    public var gatewayId: String
    public var created: String
    public var schema: SchemaVersions
    /// Whether the database holds the history (samples and hourly rollups).
    public var history: Bool
    /// Whether TLS material and keys are in (the archive must then be kept like a key).
    public var secrets: Bool
    public var dataDirectory: String
    public var configFile: String
    public var entries: [Entry]
}
