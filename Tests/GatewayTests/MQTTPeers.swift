import Foundation
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Test certificates made by scripts/peers/mqtt-pki.sh (once; kept under .build-peers/).
let mqttPKI: String = {
    let dir = repoRoot.appendingPathComponent(".build-peers/mqtt-pki").path
    _ = try? run("bash", [repoRoot.appendingPathComponent("scripts/peers/mqtt-pki.sh").path, dir])
    return dir
}()

/// A real mosquitto broker: a TLS listener, a TLS listener requiring client certificates, and a TLS
/// listener requiring a user name and password; persistent, so durable sessions survive its restarts.
final class Broker: Sendable {
    let directory: String
    /// The daemon's pid while it runs (killed at deinit, so a failing test leaves no broker behind).
    private let daemon = Mutex<pid_t?>(nil)
    let tlsPort: Int
    let certPort: Int
    let passwordPort: Int
    static let user = "gateway", password = "s3cret-pass"

    init(dir: TempDir) throws {
        directory = "\(dir.path)/broker"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        (tlsPort, certPort, passwordPort) = (try freePort(), try freePort(), try freePort())
        let pki = mqttPKI
        let tls = "cafile \(pki)/ca.crt\ncertfile \(pki)/server.crt\nkeyfile \(pki)/server.key\n"
        let conf = """
            per_listener_settings true
            \(getuid() == 0 ? "user root" : "")
            pid_file \(directory)/mosquitto.pid
            log_dest file \(directory)/mosquitto.log
            persistence true
            persistence_location \(directory)/
            listener \(tlsPort) 127.0.0.1
            \(tls)allow_anonymous true
            listener \(certPort) 127.0.0.1
            \(tls)require_certificate true
            use_identity_as_username true
            listener \(passwordPort) 127.0.0.1
            \(tls)allow_anonymous false
            password_file \(directory)/passwords

            """
        try conf.write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        let (code, out) = try run("mosquitto_passwd", ["-b", "-c", "\(directory)/passwords", Self.user, Self.password])
        #expect(code == 0, "\(out)")
    }

    deinit {
        if let pid = daemon.withLock({ $0 }) { kill(pid, SIGKILL) }
    }

    private var pidFromFile: Int32? {
        (try? String(contentsOfFile: "\(directory)/mosquitto.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func start() async throws {
        try? FileManager.default.removeItem(atPath: "\(directory)/mosquitto.pid")
        // Daemonizes; started without Foundation's Process (whose waiting hung on it).
        let code = waitExit(try spawn(["mosquitto", "-c", "\(directory)/mosquitto.conf", "-d"]))
        #expect(code == 0, "\(log)")
        #expect(await eventually(5) { accepts(port: tlsPort) && pidFromFile != nil }, "broker listening")
        let pid = pidFromFile
        daemon.withLock { $0 = pid }
    }

    /// SIGTERM: the broker saves its persistent state and exits.
    func stop() async {
        guard let pid = daemon.withLock({ p in defer { p = nil }; return p }) else { return }
        kill(pid, SIGTERM)
        // Not kill(pid, 0): a daemon reparented to a PID 1 that does not reap stays a zombie.
        #expect(await eventually(5) { !accepts(port: tlsPort) }, "broker stopped")
    }

    var log: String { (try? String(contentsOfFile: "\(directory)/mosquitto.log", encoding: .utf8)) ?? "" }
}


/// mosquitto_sub recording everything under a topic filter, with a durable session (QoS 1), so it also
/// gets what was published while the broker restarted.
final class Recorder: Sendable {
    let file: String
    let pid: Int32
    let clientId: String

    /// `append`: a new process for the same session, adding to the same file.
    init(dir: TempDir, port: Int, topic: String = "btms/#", name: String = "recorder", append: Bool = false) throws {
        file = "\(dir.path)/\(name).txt"
        clientId = "\(name)-\(getpid())-\(port)"
        if !append { try? FileManager.default.removeItem(atPath: file) }
        pid = try spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", "\(port)", "--cafile", "\(mqttPKI)/ca.crt", "-t", topic, "-q", "1",
                         "-v", "-c", "-i", clientId], output: file)
    }

    func stop() {
        kill(pid, SIGKILL)
        _ = waitExit(pid)
    }

    /// (topic, payload) per message, in arrival order.
    var messages: [(topic: String, payload: String)] {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> (topic: String, payload: String)? in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }

    /// Parsed JSON payloads with their topic, in arrival order.
    var json: [(topic: String, body: [String: Any])] {
        messages.compactMap { m in
            guard let data = m.payload.data(using: .utf8),
                  let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return (m.topic, body)
        }
    }

    /// Every sequence number received (duplicates collapse).
    var seqs: Set<Int> { Set(json.compactMap { $0.body["seq"] as? Int }) }
}

/// Starts `argv` (looked up in PATH) with standard input from /dev/null and standard output and error
/// into `output` (or /dev/null), without Foundation's Process: a daemon's children then hold no pipe of ours.
func spawn(_ argv: [String], output: String? = nil, environment: [String: String] = [:]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Nothing else of the test process: a child holding the write end of another tool's output pipe
    // kept that tool's reader waiting for EOF, and with it the whole test process (a hang seen when
    // a broker's certificates were being made while a gateway process started).
    closeFrom(&actions, 3)
    // Default signal handling and no blocked signals: the test process ignores or blocks some
    // (signal sequences), and a child would inherit that and shrug off SIGTERM.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { env.forEach { free($0) } }
    let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, env)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
    return pid
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), which Swift's Glibc module does not
/// import (a GNU extension): looked up once by name.
private let closeFrom: @Sendable (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Void = {
    typealias Function = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return { _, _ in } }
    let function = unsafeBitCast(symbol, to: Function.self)
    return { actions, from in _ = function(actions, from) }
}()

/// Waits for a child started by ``spawn`` and returns its exit status.
func waitExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}
