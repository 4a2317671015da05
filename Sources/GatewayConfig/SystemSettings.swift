public import BatteryModel
import Foundation

/// Who runs this plant: shown in the web UI's header.
public struct ProjectSettings: Sendable, Equatable {
    public var name = ""
    public var company = ""
    public var url = ""
    public var owner = ""

    public init() {}
}

/// The appliance's network ports (LAN and WAN), written as systemd-networkd files.
public struct NetworkSettings: Sendable, Equatable {
    public var ports: [NetworkPort] = []

    public init() {}
}

public struct NetworkPort: Sendable, Equatable {
    /// `lan` or `wan`.
    public var role: String
    /// The Linux interface name (eth0).
    public var interface: String
    public var dhcp: Bool
    public var address: String?
    public var prefixLength: Int?
    public var gateway: String?
    public var dns: [String] = []

    public init(role: String, interface: String, dhcp: Bool) {
        self.role = role
        self.interface = interface
        self.dhcp = dhcp
    }
}

/// Time zone and NTP servers, written as systemd-timesyncd (and chrony) files.
public struct TimeSettings: Sendable, Equatable {
    /// The site's zone: what pages, e-mails and SMS show times in. The system's unless set.
    public var zone = TimeZone.current.identifier
    public var ntpEnabled = true
    public var ntpServers: [NTPServer] = []

    public init() {}

    /// How times are shown at this site.
    public var siteTime: SiteTime { SiteTime(identifier: zone) }
}

public struct NTPServer: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = 123) {
        self.host = host
        self.port = port
    }
}

/// Where network and time settings are written, and what applies them. Only in the main
/// configuration file: the web UI can change the settings but never the command that runs.
public struct SystemFilesSettings: Sendable, Equatable {
    /// Folder that receives `network/`, `timesyncd.conf.d/`, `chrony/` and `timezone` (default `<data>/system`).
    public var directory: String
    /// Run after the files are written (argv; nil = only write the files).
    public var applyCommand: [String]?

    public init(directory: String, applyCommand: [String]? = nil) {
        self.directory = directory
        self.applyCommand = applyCommand
    }
}
