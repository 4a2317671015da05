import ArgumentParser
import Backup
import Foundation
import GatewayConfig
import GatewayServices
import StatusServer
import Storage

/// `bmgw backup FILE`: one archive of the configuration, settings, users, alarm log, history
/// (optional) and TLS material (optional), made while the gateway runs (docs/operations.md › Backup).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a backup archive (configuration, settings, users, alarm log, history, TLS keys); the gateway may run.",
        discussion: """
            Prints what goes in, with sizes, before it writes. The database is copied with SQLite's online backup API, so \
            the copy is consistent while the gateway writes. The archive (a tar file, readable by its owner only) holds \
            TLS keys and the remote-access CA unless --no-secrets: keep it like a key.
            """)

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Flag(help: "Leave the history (samples and hourly rollups) out; users, alarm log and discharges stay in.")
    var noHistory = false

    @Flag(help: "Leave TLS keys and certificates, the remote-access CA and SNMPv3 keys out.")
    var noSecrets = false

    @Flag(help: "Only print what the backup would hold.")
    var dryRun = false

    @Argument(help: "The archive to write (e.g. bmgw-backup.tar).")
    var file: String

    func run() async throws {
        let cfg = try loadConfig(config)
        let plan: BackupPlan
        do {
            plan = try BackupPlan(configFile: config, dataDirectory: cfg.dataDirectory, secretFiles: cfg.namedSecretFiles)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let out = FileOutput.standardOutput
        out.write(Self.describe(plan, history: !noHistory, secrets: !noSecrets))
        if dryRun { return }
        do {
            let manifest = try BackupWriter(plan: plan, history: !noHistory, secrets: !noSecrets, gatewayVersion: Gateway.version, gatewayId: cfg.gatewayId)
                .write(to: file) { out.write("  \($0)\n") }
            out.write("wrote \(file): \(manifest.entries.count) files, \(BackupPlan.size(file)) bytes\n")
        } catch {
            printError("backup failed: \(error)")
            throw ExitCode(1)
        }
    }

    static func describe(_ plan: BackupPlan, history: Bool, secrets: Bool) -> String {
        var text = "backup of \(plan.configFile) and \(plan.dataDirectory):\n"
        for item in plan.items {
            let note: String
            if item.kind == .secret && !secrets { note = "  (left out: --no-secrets)" }
            else if item.kind == .database { note = history ? "  (history \(mib(plan.historyBytes)) of it)" : "  (without its history of \(mib(plan.historyBytes)))" }
            else { note = "" }
            text += "  \(item.kind.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(item.archivePath.padding(toLength: 44, withPad: " ", startingAt: 0)) \(mib(item.bytes))\(note)\n"
        }
        return text
    }

    static func mib(_ bytes: Int64) -> String {
        bytes < 1 << 20 ? "\((bytes + 1023) / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}

/// `bmgw restore FILE`: checks the archive (every file's SHA-256, the database's schema against this
/// gateway's), then puts it back with the gateway stopped; what it replaces is kept aside.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup archive (the gateway must be stopped); the files it replaces are kept aside.",
        discussion: """
            The configuration goes to --config, the data to the data folder the backup was made from (or --data). \
            A backup from a newer gateway whose database this one does not know is refused before anything changes. \
            Replaced files are moved to <data>/before-restore-<time>/ and <config>.before-restore-<time>.
            """)

    @Option(name: .shortAndLong, help: "Where the configuration goes (the gateway's configuration file).")
    var config = "config/gateway.yaml"

    @Option(help: "The data folder to restore into (default: the one the backup was made from).")
    var data: String?

    @Flag(help: "Only check the archive and print what it holds.")
    var check = false

    @Argument(help: "The archive (from bmgw backup or Settings › Backup).")
    var file: String

    func run() async throws {
        let out = FileOutput.standardOutput
        let archive: BackupArchive
        do { archive = try BackupArchive(path: file) } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let m = archive.manifest
        let dataDirectory = data ?? m.dataDirectory
        out.write("\(file): gateway \(m.gatewayId) (version \(m.gatewayVersion)), \(m.created); \(m.entries.count) files, all checked; "
            + "history \(m.history ? "in" : "left out"), TLS keys \(m.secrets ? "in" : "left out")\n")
        let restore = BackupRestore(archive: archive, configFile: config, dataDirectory: dataDirectory)
        let current = SchemaVersions.current(parts: Gateway.tables)
        if let refusal = restore.refusal(current: current) {
            printError(refusal)
            throw ExitCode(1)
        }
        if check { return }
        if (try? StatusSocket.fetch(path: Gateway.socketPath(dataDirectory: dataDirectory))) != nil {
            printError("the gateway is running on \(dataDirectory): stop it first (systemctl stop bmgw), then restore")
            throw ExitCode(1)
        }
        do {
            let result = try restore.run(current: current) { out.write("  \($0)\n") }
            if let aside = result.aside { out.write("the files it replaced are in \(aside)\n") }
            if let aside = result.configAside { out.write("the configuration it replaced is \(aside)\n") }
        } catch {
            printError("restore failed: \(error)")
            throw ExitCode(1)
        }
        // The restored configuration must load where it now is, with the data where it was put.
        do {
            let restored = try GatewayConfig.load(file: config)
            if restored.dataDirectory != dataDirectory {
                printError("note: the restored configuration's data folder is \(restored.dataDirectory), the data went to \(dataDirectory)")
            }
        } catch {
            printError("the restored configuration has problems (fix them before starting the gateway):\n\(error)")
            throw ExitCode(1)
        }
        out.write("restored; start the gateway (systemctl start bmgw)\n")
    }
}
