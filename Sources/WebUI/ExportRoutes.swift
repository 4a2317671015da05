import BatteryModel
import ConfigSupport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Storage

/// Settings › Data export: start an export of a period (administrators), see its progress, list the
/// files with size and time, download (everybody logged in) and delete them.
struct ExportRoutes {
    let jobs: ExportJobs
    let model: LiveModel
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer

    func register(_ router: Router<WebContext>) {
        router.get("/settings/exports") { _, context -> Response in exportsPage(context, values: [:], problems: [:]) }
        router.post("/settings/exports") { request, context -> Response in try await start(request, context) }
        router.get("/settings/exports/:name") { _, context -> Response in try download(context) }
        router.post("/settings/exports/:name/delete") { request, context -> Response in
            let form = try await WebResponse.form(request)
            guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
            guard session.isAdmin else { return forbidden(context) }
            guard let name = context.parameters.get("name") else { return notFound(context) }
            jobs.dismiss(name)
            _ = jobs.delete(name)
            return .redirect(to: "/settings/exports", type: .normal)
        }
        router.get("/api/v1/exports") { _, _ -> Response in
            WebResponse.json(ExportsJSON(
                files: jobs.files().map { .init(name: $0.name, bytes: $0.bytes, modified: $0.modified.formatted(.iso8601), url: "/settings/exports/\($0.name)") },
                running: jobs.jobs.map { .init(name: $0.name, progress: $0.progress, failed: $0.failed) }))
        }
    }

    struct ExportsJSON: Encodable {
        struct File: Encodable { let name: String, bytes: Int, modified: String, url: String }
        struct Running: Encodable { let name: String, progress: Double, failed: String? }
        let files: [File], running: [Running]
    }

    private func exportsPage(_ context: WebContext, values: [String: String], problems: [String: String], notice: String? = nil,
                             status: HTTPResponse.Status = .ok) -> Response {
        let admin = context.session?.isAdmin == true
        let csrf = HTML.escape(context.session?.csrf ?? "")
        var body = "<p><a href=\"/settings\">Settings</a> › Data export</p><h1>Data export</h1>"
        if let notice { body += "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape(notice))</p>" }
        let running = jobs.jobs
        if !running.isEmpty {
            body += "<h2>Running</h2><ul id=\"running\">"
            for j in running {
                if let failed = j.failed {
                    let dismiss = admin ? """
                        <form method="post" action="/settings/exports/\(HTML.escape(j.name))/delete"><input type="hidden" name="csrf" value="\(csrf)"><button>Dismiss</button></form>
                        """ : ""
                    body += "<li class=\"problem\">\(HTML.escape(j.name)): failed: \(HTML.escape(failed))\(dismiss)</li>"
                } else {
                    let pct = Int(j.progress * 100)
                    body += "<li>\(HTML.escape(j.name)) <progress max=\"100\" value=\"\(pct)\">\(pct) %</progress> \(pct) %</li>"
                }
            }
            body += "</ul>"
        }
        if admin {
            let content = values["content"] ?? "strings"
            var strings = "<option value=\"\">all strings</option>"
            for s in model.topology.strings {
                strings += "<option value=\"\(HTML.escape(s.id))\"\(values["string"] == s.id ? " selected" : "")>\(HTML.escape(s.name))</option>"
            }
            body += """
                <form class="box" id="export-form" method="post" action="/settings/exports"><h2>New export</h2>
                <input type="hidden" name="csrf" value="\(csrf)">
                \(HTML.field("from", label: "From (e.g. 2026-11-01, -7d)", value: values["from"] ?? "-1d", problem: problems["from"]))
                \(HTML.field("to", label: "To (e.g. now, 2026-11-02)", value: values["to"] ?? "now", problem: problems["to"]))
                <label for="string">Strings</label><select id="string" name="string">\(strings)</select>
                \(problems["string"].map { "<span class=\"problem\" id=\"string-problem\">\(HTML.escape($0))</span>" } ?? "")
                <label for="content">Content</label><select id="content" name="content">
                \(ExportJobs.Content.allCases.map { "<option value=\"\($0.rawValue)\"\($0.rawValue == content ? " selected" : "")>\($0.title)</option>" }.joined())</select>
                \(problems["content"].map { "<span class=\"problem\" id=\"content-problem\">\(HTML.escape($0))</span>" } ?? "")
                \(problems[""].map { "<span class=\"problem\" id=\"form-problem\">\(HTML.escape($0))</span>" } ?? "")
                <button id="start-export">Start export</button></form>
                """
        }
        var rows = ""
        let time = page.siteTime()
        for f in jobs.files() {
            let name = HTML.escape(f.name)
            let delete = admin ? """
                <form method="post" action="/settings/exports/\(name)/delete"><input type="hidden" name="csrf" value="\(csrf)"><button>Delete</button></form>
                """ : ""
            rows += "<tr><td><a href=\"/settings/exports/\(name)\" download>\(name)</a></td><td>\(Self.size(f.bytes))</td>"
                + "<td>\(time.text(Timestamp(f.modified)))</td><td>\(delete)</td></tr>"
        }
        body += """
            <h2>Files</h2><table id="exports"><thead><tr><th>File</th><th>Size</th><th>Time</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
        // While an export runs the page reloads itself to show its progress.
        let refresh = running.contains { $0.failed == nil } ? "<meta http-equiv=\"refresh\" content=\"2\">" : ""
        return page.render(title: "Data export", session: context.session, status: status, body: refresh + body)
    }

    static func size(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) B" : bytes < 1 << 20 ? String(format: "%.1f KiB", Double(bytes) / 1024) : String(format: "%.1f MiB", Double(bytes) / 1048576)
    }

    private func start(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await WebResponse.form(request)
        guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
        guard session.isAdmin else { return forbidden(context) }
        var problems: [String: String] = [:]
        let now = Date()
        let fromText = (form["from"] ?? "").trimmingCharacters(in: .whitespaces), toText = (form["to"] ?? "").trimmingCharacters(in: .whitespaces)
        let from = TimeText.parse(fromText, now: now), to = toText.isEmpty ? Timestamp(now).millis : TimeText.parse(toText, now: now)
        if from == nil { problems["from"] = "'\(fromText)' is not a time (2026-11-01, 2026-11-01T08:00:00Z, -7d, now)" }
        if to == nil { problems["to"] = "'\(toText)' is not a time (2026-11-02, -1h, now)" }
        if let from, let to, from >= to { problems["to"] = "is not after from" }
        let content = ExportJobs.Content(rawValue: form["content"] ?? "")
        if content == nil { problems["content"] = "must be strings or cells" }
        let stringId = form["string"].flatMap { $0.isEmpty ? nil : $0 }
        if let stringId, model.topology.stringIndex(id: stringId) == nil { problems["string"] = "'\(stringId)' is not a string of this plant" }
        guard problems.isEmpty, let from, let to, let content else {
            return exportsPage(context, values: form, problems: problems, status: .badRequest)
        }
        switch jobs.start(content: content, stringIds: stringId.map { [$0] }, from: from, to: to, time: page.siteTime()) {
        case let .failure(refusal):
            return exportsPage(context, values: form, problems: ["": refusal.message], status: .conflict)
        case let .success(name):
            let user = session.username
            try await store.run { s in
                try UserStore(db: s.db).audit(user: user, action: "data export started", detail: name, now: Timestamp(now).millis)
            }
            return exportsPage(context, values: [:], problems: [:], notice: "Export \(name) started.")
        }
    }

    /// The file, streamed (an export of cells can be large).
    private func download(_ context: WebContext) throws -> Response {
        guard let name = context.parameters.get("name"), let path = jobs.path(name),
              let response = FileReader.attachment(path: path, name: name, contentType: "text/csv; charset=utf-8") else {
            return notFound(context)
        }
        return response
    }

    private func forbidden(_ context: WebContext) -> Response {
        page.render(title: "Not allowed", session: context.session, status: .forbidden, body: "<h1>Not allowed</h1><p>Only administrators start and delete exports.</p>")
    }

    private func notFound(_ context: WebContext) -> Response {
        page.render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1><p><a href=\"/settings/exports\">Data export</a></p>")
    }
}

/// Reads a file in pieces; closes it at the end.
final class FileReader: Sendable {
    let handle: FileHandle

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// A download of the file at `path` as `name`, streamed in 64 KiB pieces; nil if it cannot be opened.
    static func attachment(path: String, name: String, contentType: String) -> Response? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let reader = FileReader(handle: handle)
        var response = Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(contentLength: size) { writer in
            while let chunk = try reader.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        return response
    }

    func next() throws -> Data? {
        guard let data = try handle.read(upToCount: 64 * 1024), !data.isEmpty else {
            try? handle.close()
            return nil
        }
        return data
    }
}
