import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig
import Storage
import GatewayServices

/// Where read-only commands find the gateway: a config file or a data folder.
struct DataSourceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (its dataDirectory is used).")
    var config: String?

    @Option(help: "Data folder of the gateway (instead of --config).")
    var data: String?

    /// The configuration, unless only `--data` was given.
    func configuration() throws -> GatewayConfig? {
        guard data == nil || config != nil else { return nil }
        return try loadConfig(config ?? "config/gateway.yaml")
    }

    /// The site's zone for CSV times: the configuration's, or the system's with `--data` alone.
    func siteTime() throws -> SiteTime {
        try configuration()?.time.siteTime ?? TimeSettings().siteTime
    }

    func dataDirectory() throws -> String {
        if let data { return data }
        return try loadConfig(config ?? "config/gateway.yaml").dataDirectory
    }

    /// The history database, read-only, weighting means as the gateway does
    /// (2 × slowInterval of the configuration, or of the default 60 s with --data).
    func openStore() throws -> GatewayDatabase {
        var cap = Duration.seconds(120)
        if data == nil { cap = try loadConfig(config ?? "config/gateway.yaml").history.slowInterval * 2 }
        let path = Gateway.databasePath(dataDirectory: try dataDirectory())
        guard FileManager.default.fileExists(atPath: path) else {
            printError("no history database at \(path): has the gateway run with this data folder?")
            throw ExitCode(1)
        }
        return try GatewayDatabase(path: path, readOnly: true, sampleWeightCap: cap)
    }
}
