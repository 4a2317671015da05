import Foundation
import Testing

/// The SMIv2 base modules unpacked by scripts/install-deps.sh --test.
var smiBaseDirectory: String? {
    let lib = repoRoot.appendingPathComponent(".build-peers/erlang-snmp/usr/lib/erlang/lib").path
    let snmp = (try? FileManager.default.contentsOfDirectory(atPath: lib))?.first { $0.hasPrefix("snmp-") }
    return snmp.map { "\(lib)/\($0)/mibs" }
}

/// `run` on a Dispatch thread: the tools block (up to their timeouts), and the gateways under test in
/// this process need the two cooperative threads.
func runOff(_ tool: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) async throws -> (Int32, String) {
    try await offPool { try run(tool, arguments, environment: environment, directory: directory) }
}

func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.arguments = [tool] + arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

@Suite struct MIBTests {
    let mib = repoRoot.appendingPathComponent("mibs/BTMS-GATEWAY-MIB.txt").path

    @Test func smilintFindsNothingAtLevelSix() async throws {
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test for the SMIv2 base modules")
        // smilint exits 0 even on errors: the output must be empty.
        let (code, output) = try await runOff("smilint", ["-l", "6", "-s", mib], environment: ["SMIPATH": base])
        #expect(code == 0)
        #expect(output.isEmpty, "\(output)")
    }

    @Test func netSnmpResolvesTheObjects() async throws {
        let base = try #require(smiBaseDirectory)
        let path = "\(base):\(repoRoot.appendingPathComponent("mibs").path)"
        let (code, oid) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-On", "BTMS-GATEWAY-MIB::btmsCellVoltage"])
        #expect(code == 0)
        #expect(oid.trimmingCharacters(in: .whitespacesAndNewlines) == ".1.3.6.1.4.1.32473.1.4.1.2")
        let (_, tree) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-Tp", "BTMS-GATEWAY-MIB::btmsCellTable"])
        #expect(tree.contains("Index: btmsStringIndex, btmsCellIndex"))
        let (_, trap) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-On", "BTMS-GATEWAY-MIB::btmsAlarmRaisedNotification"])
        #expect(trap.trimmingCharacters(in: .whitespacesAndNewlines) == ".1.3.6.1.4.1.32473.0.1")
    }
}
