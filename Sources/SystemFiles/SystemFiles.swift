public import Foundation
public import GatewayConfig
public import Logging

/// Network and time settings as standard system files, written into `system.directory`, then the
/// configured apply command. On an appliance the directory is /etc/systemd (or a staging folder the
/// command copies from); on a development machine it stays `<data>/system` and nothing else changes.
///
/// Files: `network/10-bmgw-lan.network`, `network/10-bmgw-wan.network` (systemd-networkd),
/// `timesyncd.conf.d/10-bmgw.conf` (systemd-timesyncd), `chrony/sources.d/bmgw.sources` (chrony,
/// which also takes ports), `timezone` (the zone name). The command gets `BMGW_SYSTEM_DIR`,
/// `BMGW_CHANGED` (network or time), `BMGW_TIMEZONE`, `BMGW_NTP` (on/off) and, for a one-off clock
/// setting, `BMGW_SET_TIME` (ISO 8601, UTC).
public struct SystemFiles: Sendable {
    public let settings: SystemFilesSettings

    public init(settings: SystemFilesSettings) {
        self.settings = settings
    }

    /// Writes the files of `changed` (network or time), then `request.env`; returns their paths.
    public func write(_ changed: String, config: GatewayConfig, setTime: Date? = nil) throws -> [String] {
        var files: [(String, String)] = []
        if changed == "network" {
            for port in config.network?.ports ?? [] { files.append(("network/10-bmgw-\(port.role).network", Self.networkd(port))) }
        } else {
            files.append(("timesyncd.conf.d/10-bmgw.conf", Self.timesyncd(config.time)))
            files.append(("chrony/sources.d/bmgw.sources", Self.chrony(config.time)))
            files.append(("timezone", config.time.zone + "\n"))
        }
        // Written last: a watcher that sees it finds the files complete.
        files.append(("request.env", Self.variables(changed, config: config, setTime: setTime).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)\n" }.joined()))
        var written: [String] = []
        for (relative, text) in files {
            let path = "\(settings.directory)/\(relative)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            written.append(path)
        }
        return written
    }

    /// Runs the apply command (if any); returns a one-line result for the page and the log.
    public func apply(_ changed: String, config: GatewayConfig, setTime: Date?, logger: Logger) async -> String {
        guard let command = settings.applyCommand, let program = command.first else {
            return "files written; applied by the system's watcher of request.env if one is installed (no system.applyCommand)"
        }
        var environment = ProcessInfo.processInfo.environment
        environment["BMGW_SYSTEM_DIR"] = settings.directory
        environment.merge(Self.variables(changed, config: config, setTime: setTime)) { $1 }
        let arguments = Array(command.dropFirst())
        let env = environment
        let log = "\(settings.directory)/apply-command.log"
        // The command runs and is waited for on a thread of its own, off the server's threads; its
        // output goes to a file (a pipe would wait for any child it leaves running), and it gets
        // 60 s before it is stopped.
        let (status, text) = await withCheckedContinuation { (c: CheckedContinuation<(Int32, String), Never>) in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: program)
                process.arguments = arguments
                process.environment = env
                _ = FileManager.default.createFile(atPath: log, contents: nil)  // a failure shows as a nil handle below
                let output = FileHandle(forWritingAtPath: log)
                process.standardOutput = output
                process.standardError = output
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    try? output?.close()
                    c.resume(returning: (-1, "could not start: \(error.localizedDescription)"))
                    return
                }
                let deadline = ContinuousClock.now + .seconds(60)
                while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
                var timedOut = false
                if process.isRunning {
                    timedOut = true
                    process.terminate()
                    usleep(2_000_000)
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                }
                process.waitUntilExit()
                try? output?.close()
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                c.resume(returning: (timedOut ? -2 : process.terminationStatus, timedOut ? text + "\ntimed out after 60 s" : text))
            }
        }
        let tail = text.split(separator: "\n").suffix(3).joined(separator: " / ")
        if status == 0 {
            logger.notice("system settings applied", metadata: ["changed": "\(changed)", "command": "\(program)"])
            return "applied by \(program)" + (tail.isEmpty ? "" : ": \(tail)")
        }
        logger.error("system settings: the apply command failed", metadata: ["changed": "\(changed)", "status": "\(status)", "output": "\(tail)"])
        return "the apply command \(program) failed with status \(status)" + (tail.isEmpty ? "" : ": \(tail)")
    }

    /// What changed, for the command or the watcher (values are checked names, no quoting needed).
    static func variables(_ changed: String, config: GatewayConfig, setTime: Date?) -> [String: String] {
        var v = ["BMGW_CHANGED": changed, "BMGW_TIMEZONE": config.time.zone, "BMGW_NTP": config.time.ntpEnabled ? "on" : "off"]
        if let setTime { v["BMGW_SET_TIME"] = setTime.formatted(.iso8601) }
        return v
    }

    static func networkd(_ p: NetworkPort) -> String {
        var text = "# Written by the BTMS gateway (\(p.role.uppercased()) port); changes here are overwritten.\n"
        text += "[Match]\nName=\(p.interface)\n\n[Network]\n"
        if p.dhcp {
            text += "DHCP=yes\n"
        } else {
            if let a = p.address, let n = p.prefixLength { text += "Address=\(a)/\(n)\n" }
            if let g = p.gateway { text += "Gateway=\(g)\n" }
        }
        for d in p.dns { text += "DNS=\(d)\n" }
        return text
    }

    static func timesyncd(_ t: TimeSettings) -> String {
        // timesyncd has no port setting: servers on another port are for chrony only.
        let servers = t.ntpEnabled ? t.ntpServers.filter { $0.port == 123 }.map(\.host) : []
        return "# Written by the BTMS gateway; changes here are overwritten.\n[Time]\nNTP=\(servers.joined(separator: " "))\n"
    }

    static func chrony(_ t: TimeSettings) -> String {
        var text = "# Written by the BTMS gateway; changes here are overwritten.\n"
        guard t.ntpEnabled else { return text }
        for s in t.ntpServers { text += "server \(s.host)\(s.port == 123 ? "" : " port \(s.port)") iburst\n" }
        return text
    }
}
