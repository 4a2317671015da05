import BatteryModel
import Foundation
import GatewayApp
import GatewayServices
import Simulator
import TestSupport
import Testing

/// The web UI in a real browser: headless Chromium driven by scripts/peers/web_browser.py (selenium).
@Suite(.tags(.endToEnd, .heavy), .serialized, .timeLimit(.minutes(3))) struct WebBrowserTests {
    @Test func anAdministratorsFirstVisitInChromium() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let (gw, sim, port, https) = try await startWebGateway(dir)
        try pin(port, unit: 2, [(1004, [12222])])  // cell 5 of s2
        #expect(await eventually { gw.model.string(1).sample?.cells.voltage[4] == 12222 })
        let shots = repoRoot.appendingPathComponent(".build-peers/screenshots").path
        try? FileManager.default.removeItem(atPath: shots)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let script = repoRoot.appendingPathComponent("scripts/peers/web_browser.py").path
        let (code, out) = try await offPool {
            try run("python3", [script, "--url", "https://127.0.0.1:\(https)", "--screenshots", shots,
                                "--string", "s2", "--cell", "5", "--voltage", "12.222", "--limit-string", "s1"])
        }
        #expect(code == 0, "\(out)")
        #expect(!out.contains("FAIL"), "\(out)")
        let pictures = (try? FileManager.default.contentsOfDirectory(atPath: shots)) ?? []
        #expect(pictures.count >= 8, "a screenshot per step: \(pictures.sorted())")
        try await gw.stop()
        await sim.stop()
    }
}
