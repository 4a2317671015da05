import Foundation
import GatewayServices
import Logging

/// `bmgw bench`: full-size figures for docs/performance.md. Not a test: it prints numbers.
/// Its own module: it links libcurl and calls libmosquitto and libmodbus directly, which the
/// gateway's CLI and wiring never do.
public enum Bench {
    public static func runAll(mapFile: String, only: Set<String>, broker: String?, strings: Int = 32) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let all = only.isEmpty
        say("BTMS gateway \(Gateway.version) benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Date())")
        if all || only.contains("tcp") { try await BenchAcquisition.tcpSweep(mapFile: mapFile, logger: logger) }
        if all || only.contains("rtu") { try await BenchAcquisition.rtuSweep(mapFile: mapFile, logger: logger) }
        if all || only.contains("ingest") { try BenchStorage.ingest(strings: strings) }
        if all || only.contains("size") { try BenchStorage.bytesPerDay() }
        if all || only.contains("alarms") { BenchAlarms.evaluation() }
        if all || only.contains("query") { try BenchStorage.yearQuery() }
        if all || only.contains("sparkplug") { BenchSparkplug.payloadSizes() }
        if all || only.contains("report") { try BenchAnalytics.report() }
        if all || only.contains("life") { try BenchAnalytics.remainingLife() }
        if all || only.contains("snmpview") { BenchSNMPView.rebuild() }
        if let broker, all || only.contains("mqtt") { try await BenchMQTT.run(broker: broker, logger: logger) }
        if all || only.contains("web") { try await BenchWeb.run(mapFile: mapFile, logger: logger) }
        // Not in "all": it generates an 18 GB year of history on its first run.
        if only.contains("startup") { try await BenchStartup.run(mapFile: mapFile) }
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Median and maximum of durations, in milliseconds.
    static func stats(_ samples: [Duration]) -> (median: Double, max: Double) {
        let ms = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        return (ms[ms.count / 2], ms.last ?? 0)
    }

    static func fmt(_ v: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", v)
    }
}
