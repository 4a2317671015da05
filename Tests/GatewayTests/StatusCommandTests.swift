import Foundation
@testable import GatewayApp
import GatewayServices
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `bmgw status` as an operator reads it: live, and after the gateway has stopped.
@Suite(.tags(.endToEnd), .timeLimit(.minutes(2))) struct StatusCommandTests {
    @Test func stoppedGatewayKeepsItsIdentityFromTheConfiguration() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (simPort, deadPort) = (try freePort(), try freePort())
        // s2's controller never answers: its note is the link's error.
        let config = try dir.write("g.yaml", configText(
            data: "\(dir.path)/data", endpoints: [.tcp(port: simPort, unit: 1), .tcp(port: deadPort, unit: 1), .tcp(port: simPort, unit: 2)],
            cells: 6, extra: "simulator: { listen: 127.0.0.1:\(simPort) }\n"))
        let gateway = try startGatewayProcess(config: config, log: "\(dir.path)/gateway.log")
        var stopped = false
        defer { if !stopped { kill(gateway, SIGKILL); _ = waitExit(gateway) } }  // SIGKILL: gone at once
        #expect(await eventuallyOffPool(20) {
            guard let (code, out, _) = try? runBMGW(["status", "--config", config]), code == 0 else { return false }
            return out.contains("s1      u1   ok") && out.contains("s3      u1   ok") && out.contains("commLost")
        })
        let (_, live, _) = try await offPool { try runBMGW(["status", "--config", config]) }
        Self.expectAligned(live)
        kill(gateway, SIGTERM)
        // Waited for off the cooperative threads: the in-process gateways of other suites need them.
        #expect(try await offPool { waitExit(gateway) } == 0)
        stopped = true

        let (code, text, errors) = try await offPool { try runBMGW(["status", "--config", config]) }
        #expect(code == 0, "\(errors)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("BTMS gateway test-gw — Test site — gateway not running: last stored samples") == true, "\(text)")
        #expect(lines.contains { $0.hasPrefix("Test site: 3 strings, 18 cells; cell V ") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("UPS 1: 2 strings, 12 cells") } && lines.contains { $0.hasPrefix("UPS 2: 1 strings, 6 cells") }, "\(text)")
        Self.expectAligned(text)

        let (_, json, _) = try await offPool { try runBMGW(["status", "--config", config, "--json"]) }
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(doc["gatewayId"] as? String == "test-gw" && doc["site"] as? String == "Test site" && doc["source"] as? String == "database")
        let ups = try #require(doc["ups"] as? [[String: Any]])
        #expect(ups.map { $0["id"] as? String } == ["u1", "u2"] && ups.map { $0["stringsOK"] as? Int } == [0, 0])
        // Without the configuration the database still gives the plant, and says what it cannot know.
        let (_, bare, _) = try await offPool { try runBMGW(["status", "--data", "\(dir.path)/data"]) }
        #expect(bare.hasPrefix("BTMS gateway (name and site unknown without --config) — gateway not running"), "\(bare)")
        #expect(bare.contains("u1: 2 strings, 12 cells"), "\(bare)")
    }

    /// Every line of the strings table as wide as the header, in terminal columns.
    static func expectAligned(_ text: String) {
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("string  ups") }) else {
            Issue.record("no strings table in \(text)")
            return
        }
        let table = lines[header...].prefix { !$0.hasPrefix("MQTT") && !$0.hasPrefix("SNMP") }
        let widths = Set(table.map(TextTable.width))
        #expect(widths.count == 1, "rows of different widths: \(text)")
        // The link column starts at one place on every row (ids before it are ASCII).
        let offset = table.first.flatMap { $0.range(of: "link") }.map { table.first!.distance(from: table.first!.startIndex, to: $0.lowerBound) } ?? 0
        for row in table.dropFirst() {
            #expect(["ok", "commLost", "unknown"].contains { row.dropFirst(offset).hasPrefix($0) }, "\(text)")
        }
    }

    @Test func tableCellsStayOnOneLineAndCountTerminalColumns() {
        var table = TextTable(header: ["string", "note", "age"])
        table.rightAligned = [2]
        table.rows = [["s1", "timeout\n(Connection timed out)\tagain", "3.7s"], ["电池组", "ok", "12.0s"], ["e\u{301}", "", "never"]]
        let lines = table.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(Set(lines.map { TextTable.width(String($0)) }).count == 1, "\(lines)")
        #expect(TextTable.width("电池组") == 6 && TextTable.width("e\u{301}") == 1 && TextTable.width("temp °C") == 7)
    }
}
