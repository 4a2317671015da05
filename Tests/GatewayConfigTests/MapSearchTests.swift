import Foundation
import GatewayConfig
import RegisterMap
import Testing

/// `registerMap: NAME` from a configuration kept anywhere (not beside `config/registermaps/`).
@Suite struct MapSearchTests {
    func write(_ yaml: String, in dir: URL) throws -> String {
        let file = dir.appendingPathComponent("gateway.yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func shippedMapIsFoundFromAnywhereAndALocalOneWins() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let byName = validConfig.replacingOccurrences(of: bmcMap, with: "bmc-v1")
        // Nothing beside the file, nothing installed under /usr/share: the map compiled in.
        let config = try GatewayConfig.load(file: try write(byName, in: dir))
        #expect(config.controllers.map(\.registerMapFile) == ["built-in:bmc-v1", "built-in:bmc-v1"])
        #expect(config.controllers.first?.registerMap == (try RegisterMap.load(file: bmcMap)), "the same map as the shipped file")

        // A site's own copy beside the configuration is preferred.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("registermaps"), withIntermediateDirectories: true)
        let local = dir.appendingPathComponent("registermaps/bmc-v1.yaml").path
        let text = try String(contentsOfFile: bmcMap, encoding: .utf8)
        try text.replacingOccurrences(of: "maxGap: ", with: "maxGap: 1 #").write(toFile: local, atomically: true, encoding: .utf8)
        let edited = try GatewayConfig.load(file: try write(byName, in: dir))
        #expect(edited.controllers.first?.registerMapFile == local)

        // A name found nowhere says where it looked.
        let p = try problems(validConfig.replacingOccurrences(of: bmcMap, with: "bmc-v9"))
        #expect(p.count == 2 && p.allSatisfy { $0.contains("registerMap: no register map 'bmc-v9' (looked for ") && $0.contains("built-in maps: bmc-v1") }, "\(p)")
    }
}
