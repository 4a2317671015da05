import BatteryModel
import ConfigSupport
import Foundation
import Hummingbird
import Logging
import Storage

/// The MQTT page's TLS files, uploaded from the browser (an appliance has no shell for the
/// operator): a PEM CA bundle, client certificate or key, checked, kept as
/// `<data>/tls/mqtt-<kind>-<time>.pem` (0600) and set in the `mqtt.tls` section through the same save as
/// the form (so the uplink reconnects with it and a wrong file is refused like a wrong path).
struct TLSUpload {
    let directory: String
    let backend: any SettingsBackend
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger
    static let kinds = ["caFile": "CA certificates", "certFile": "client certificate", "keyFile": "client key"]
    static let maxBytes = 256 * 1024

    static func form(_ context: WebContext) -> String {
        guard context.session?.isAdmin == true else { return "" }
        let options = kinds.sorted { $0.key < $1.key }.map { "<option value=\"\($0.key)\">\($0.value)</option>" }.joined()
        return """
            <h2>Upload a TLS file</h2><form class="settings" id="tls-upload" method="post" action="/settings/tls-upload" enctype="multipart/form-data">
            <input type="hidden" name="csrf" value="\(HTML.escape(context.session?.csrf ?? ""))">
            <label for="kind">File</label> <select id="kind" name="kind">\(options)</select>
            <input type="file" id="pem" name="pem" accept=".pem,.crt,.key"> <button id="upload-tls">Upload and use</button>
            <small class="hint">PEM; a key must not be encrypted. Stored on the gateway and set in the form above.</small></form>
            """
    }

    func register(_ router: Router<WebContext>) {
        // Not under /settings/mqtt: a constant there would hide the page's /settings/:page route.
        router.post("/settings/tls-upload") { request, context -> Response in try await upload(request, context) }
    }

    /// What is wrong with a PEM file for `kind`, or nil.
    static func problem(_ text: String, kind: String) -> String? {
        if kind == "keyFile" {
            guard text.contains("PRIVATE KEY-----") else { return "is not a PEM private key" }
            if text.contains("ENCRYPTED") { return "is an encrypted key: the gateway cannot ask for its passphrase" }
            return nil
        }
        return text.contains("-----BEGIN CERTIFICATE-----") ? nil : "is not a PEM certificate"
    }

    private func upload(_ request: Request, _ context: WebContext) async throws -> Response {
        let parts: [String: [UInt8]], session: WebSession
        switch try await Multipart.administratorForm(request, context, upTo: Self.maxBytes) {
        case let .failure(refusal): return refusal.response { refused(context, $0, status: $1) }
        case let .success(form): (parts, session) = form
        }
        let kind = parts["kind"].map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let title = Self.kinds[kind] else { return refused(context, "kind: choose CA certificates, client certificate or client key.", status: .badRequest) }
        guard let file = parts["pem"], !file.isEmpty else { return refused(context, "pem: choose a file.", status: .badRequest) }
        guard file.count <= Self.maxBytes else { return refused(context, "pem: the file is larger than 256 KiB.", status: .badRequest) }
        if let problem = Self.problem(String(decoding: file, as: UTF8.self), kind: kind) {
            return refused(context, "pem: the \(title) file \(problem).", status: .badRequest)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // A new name for each upload: the changed path is what makes the uplink reconnect with it.
        let stamp = Timestamp.now.millis
        let path = "\(directory)/mqtt-\(kind)-\(stamp).pem"
        do {
            try PrivateFile.write(Data(file), to: path)
        } catch {
            return refused(context, "The file could not be stored in \(directory): \(error)", status: .internalServerError)
        }
        // Set the path in the section and apply it, as a save of the form would.
        do {
            let outcome = try await backend.apply(section: "mqtt") { current in
                var pairs = current
                pairs["tls.\(kind)"] = path
                return pairs
            }
            removeOlder(kind, keeping: path)
            let now = Timestamp.now.millis
            try await store.run { try UserStore(db: $0.db).audit(user: session.username, action: "settings changed", detail: "mqtt: tls.\(kind) uploaded", now: now) }
            logger.notice("MQTT TLS file uploaded in the web UI", metadata: ["user": "\(session.username)", "kind": "\(kind)"])
            return .redirect(to: "/settings/mqtt?uploaded=\(kind)" + (outcome.restartNeeded.isEmpty ? "" : "&restart=1"), type: .normal)
        } catch let error as ConfigError {
            try? FileManager.default.removeItem(atPath: path)
            return refused(context, "The MQTT settings refuse it: \(error.problems.map(\.description).joined(separator: "; "))", status: .badRequest)
        }
    }

    /// Earlier uploads of the same kind, no longer named in the settings.
    private func removeOlder(_ kind: String, keeping path: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("mqtt-\(kind)-") && name.hasSuffix(".pem") && "\(directory)/\(name)" != path {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    private func refused(_ context: WebContext, _ problem: String, status: HTTPResponse.Status) -> Response {
        page.render(title: "TLS file", session: context.session, status: status, body: """
            <p><a href="/settings">Settings</a> › <a href="/settings/mqtt">MQTT / cloud</a></p><h1>TLS file</h1>
            <p class="problem" id="tls-problem">\(HTML.escape(problem))</p>
            """)
    }
}
