import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A full-size plant (32 strings × 120 cells) walked through the agent of a `bmgw run` process.
@Suite(.tags(.endToEnd, .heavy), .serialized, .timeLimit(.minutes(4))) struct SNMPFullSizeTests {
    @Test func theWalkCoversEveryCellOfAFullSizePlant() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (snmpPort, simPort) = (try freePort(), try freePort())
        let config = try dir.write("g.yaml", configText(
            data: dir.path, endpoints: (1...32).map { .tcp(port: simPort, unit: $0) }, cells: 120, logLevel: "warning",
            extra: """
                simulator: { listen: 127.0.0.1:\(simPort) }
                snmp: { listen: "udp:127.0.0.1:\(snmpPort)" }

                """).replacingOccurrences(of: "pollInterval: 200ms", with: "pollInterval: 1s"))
        let gateway = try startGatewayProcess(config: config, log: "\(dir.path)/gateway.log")
        var exited = false
        defer { if !exited { kill(gateway, SIGKILL); _ = waitExit(gateway) } }

        // A distinctive value in the last cell of the last string.
        let target = "127.0.0.1:\(snmpPort)"
        let lastCell = ".1.3.6.1.4.1.32473.1.4.1.2.32.120"
        #expect(await eventuallyOffPool(30) {
            (try? pin(simPort, unit: 32, [(1119, [10777])])) != nil
                && (try? run("snmpget", ["-v2c", "-c", "public", "-Oqv", "-t", "1", "-r", "0", target, lastCell]))?.1 == "10777\n"
        }, "\((try? String(contentsOfFile: "\(dir.path)/gateway.log", encoding: .utf8)) ?? "")")

        // Every string read at least once (they are polled in parallel), then the whole cell table.
        #expect(await eventuallyOffPool(20) {
            (try? run("snmpbulkwalk", ["-v2c", "-c", "public", "-Cr50", "-On", "-Oqe", target, ".1.3.6.1.4.1.32473.1.4.1.2"]))?
                .1.split(separator: "\n").count == 3840
        })
        let (code, walk) = try await runOff("snmpbulkwalk", ["-v2c", "-c", "public", "-Cr50", "-On", "-Oqe", target, ".1.3.6.1.4.1.32473.1.4"])
        #expect(code == 0)
        var columns: [Int: Int] = [:]
        var voltages: [Int] = []
        for line in walk.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            let oid = parts[0].split(separator: ".")  // 1.3.6.1.4.1.32473.1.4.1.COLUMN.STRING.CELL
            guard parts.count == 2, oid.count == 13, let column = Int(oid[10]) else { continue }
            columns[column, default: 0] += 1
            if column == 2, let value = Int(parts[1]) { voltages.append(value) }
        }
        // Voltage, resistance, temperature, SoC, SoH, status: one value per cell each; the life status
        // (column 8, notEnoughHistory in a new plant) for every cell once the first estimate is made.
        let life = columns.removeValue(forKey: 8)
        #expect(columns == [2: 3840, 3: 3840, 4: 3840, 5: 3840, 6: 3840, 7: 3840], "\(columns)")
        #expect(life == nil || life == 3840, "\(String(describing: life))")
        #expect(voltages.last == 10777)
        #expect(voltages.dropLast().allSatisfy { (12_000...15_000).contains($0) }, "floating cells, in mV")

        kill(gateway, SIGTERM)
        #expect(try await offPool { waitExit(gateway) } == 0, "a clean stop")
        exited = true
    }
}
