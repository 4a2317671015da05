import Foundation
import Synchronization
import TestSupport
import Testing

/// The SMIv2 base modules unpacked by scripts/install-deps.sh --test.
var smiBaseDirectory: String? {
    let lib = repoRoot.appendingPathComponent(".build-peers/erlang-snmp/usr/lib/erlang/lib").path
    let snmp = (try? FileManager.default.contentsOfDirectory(atPath: lib))?.first { $0.hasPrefix("snmp-") }
    return snmp.map { "\(lib)/\($0)/mibs" }
}

/// What a tool's standard error adds to the text `run` returns.
enum ToolErrors {
    /// Only when the tool fails: what a success prints there (net-snmp's first-run "Created
    /// directory: /var/lib/snmp/…", say) is not its answer.
    case onFailure
    /// Always: for a tool whose findings are on standard error (smilint).
    case always
}

/// `run` on a Dispatch thread: the tools block (up to their timeouts), and the gateways under test in
/// this process need the two cooperative threads.
func runOff(_ tool: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
            errors: ToolErrors = .onFailure) async throws -> (Int32, String) {
    try await offPool { try run(tool, arguments, environment: environment, directory: directory, errors: errors) }
}

/// Runs a tool; its exit status and standard output (with standard error as `errors` says).
func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
         errors: ToolErrors = .onFailure) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.arguments = [tool] + arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Both pipes drained at once: a tool that fills one while we wait on the other would hang.
    let errorText = Mutex("")
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorText.withLock { $0 = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        drained.signal()
    }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    drained.wait()
    p.waitUntilExit()
    let stderr = errorText.withLock { $0 }
    let withErrors = errors == .always || p.terminationStatus != 0
    return (p.terminationStatus, withErrors ? text + stderr : text)
}

@Suite(.tags(.endToEnd)) struct MIBTests {
    let mib = repoRoot.appendingPathComponent("mibs/BTMS-GATEWAY-MIB.txt").path

    @Test func smilintFindsNothingAtLevelSix() async throws {
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test for the SMIv2 base modules")
        // smilint exits 0 even on errors: the output must be empty.
        let (code, output) = try await runOff("smilint", ["-l", "6", "-s", mib], environment: ["SMIPATH": base], errors: .always)
        #expect(code == 0)
        #expect(output.isEmpty, "\(output)")
    }

    /// The standard modules shipped beside ours, as the RFCs publish them. BATTERY-MIB is clean; the
    /// RFC's ENTITY-MIB has two level-5 findings of its own text (a TC without DISPLAY-HINT and the
    /// deprecated PhysicalClass it keeps), ignored by name and nothing else.
    @Test(arguments: [("BATTERY-MIB", [String]()), ("ENTITY-MIB", ["-i", "type-without-format", "-i", "type-unref"])])
    func smilintFindsNothingInTheStandardModules(module: String, ignored: [String]) async throws {
        let base = try #require(smiBaseDirectory, "run scripts/install-deps.sh --test for the SMIv2 base modules")
        let mibs = repoRoot.appendingPathComponent("mibs").path
        let (code, output) = try await runOff("smilint", ["-l", "6", "-s"] + ignored + ["\(mibs)/\(module).txt"],
                                              environment: ["SMIPATH": "\(base):\(mibs)"], errors: .always)
        #expect(code == 0)
        #expect(output.isEmpty, "\(output)")
    }

    /// As on a machine where net-snmp's tools never ran: an empty state directory and home, so the
    /// first call creates the state folders and says so on standard error.
    @Test func netSnmpResolvesTheObjects() async throws {
        let base = try #require(smiBaseDirectory)
        let path = "\(base):\(repoRoot.appendingPathComponent("mibs").path)"
        let dir = try TempDir()
        defer { dir.cleanup() }
        let state = "\(dir.path)/var-lib-snmp"
        let fresh = ["SNMP_PERSISTENT_DIR": state, "HOME": dir.path]
        let (code, oid) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-On", "BTMS-GATEWAY-MIB::btmsCellVoltage"],
                                           environment: fresh)
        #expect(FileManager.default.fileExists(atPath: state), "the first run should have made net-snmp's state folder")
        #expect(code == 0)
        #expect(oid.trimmingCharacters(in: .whitespacesAndNewlines) == ".1.3.6.1.4.1.32473.1.4.1.2")
        let (_, tree) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-Tp", "BTMS-GATEWAY-MIB::btmsCellTable"],
                                         environment: fresh)
        #expect(tree.contains("Index: btmsStringIndex, btmsCellIndex"))
        let (_, trap) = try await runOff("snmptranslate", ["-M", path, "-m", "BTMS-GATEWAY-MIB", "-On", "BTMS-GATEWAY-MIB::btmsAlarmRaisedNotification"],
                                         environment: fresh)
        #expect(trap.trimmingCharacters(in: .whitespacesAndNewlines) == ".1.3.6.1.4.1.32473.0.1")
    }
}
