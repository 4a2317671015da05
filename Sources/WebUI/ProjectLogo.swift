import BatteryModel
import Foundation
import Hummingbird
import Logging
import NIOCore
import Storage

/// The project's logo: uploaded by an administrator (PNG, JPEG, GIF or WebP up to 512 KiB), kept as
/// `<data>/logo`, shown in every page's header, deleted on request.
struct ProjectLogo {
    let path: String
    let store: DatabaseQueue<GatewayDatabase>
    let page: PageRenderer
    let logger: Logger
    static let maxBytes = 512 * 1024

    static func path(dataDirectory: String) -> String { "\(dataDirectory)/logo" }

    static func section(_ context: WebContext) -> String {
        guard context.session?.isAdmin == true else { return "" }
        let csrf = HTML.escape(context.session?.csrf ?? "")
        return """
            <h2>Logo</h2><form class="settings" id="logo-upload" method="post" action="/settings/logo" enctype="multipart/form-data">
            <input type="hidden" name="csrf" value="\(csrf)"><label for="logo">PNG, JPEG, GIF or WebP, at most 512 KiB</label>
            <input type="file" id="logo" name="logo" accept="image/png,image/jpeg,image/gif,image/webp"> <button id="upload-logo">Upload</button></form>
            <form class="settings" method="post" action="/settings/logo/delete"><input type="hidden" name="csrf" value="\(csrf)">
            <button id="delete-logo">Delete the logo</button></form>
            """
    }

    func register(_ router: Router<WebContext>) {
        router.get("/logo") { _, _ -> Response in
            guard let data = FileManager.default.contents(atPath: path), let type = Self.imageType(data) else {
                return Response(status: .notFound)
            }
            var r = Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            r.headers[.cacheControl] = "no-cache"
            return r
        }
        // Not under /settings/project: a constant there would hide the page's /settings/:page route.
        router.post("/settings/logo") { request, context -> Response in try await upload(request, context) }
        router.post("/settings/logo/delete") { request, context -> Response in
            let form = try await WebResponse.form(request)
            guard let session = context.session, form["csrf"] == session.csrf else { return CSRF.refused() }
            guard session.isAdmin else { return refused(context, "Only administrators change settings.", status: .forbidden) }
            try? FileManager.default.removeItem(atPath: path)
            try await audit(session.username, "logo deleted")
            return .redirect(to: "/settings/project", type: .normal)
        }
    }

    private func upload(_ request: Request, _ context: WebContext) async throws -> Response {
        let parts: [String: [UInt8]], session: WebSession
        switch try await Multipart.administratorForm(request, context, upTo: Self.maxBytes) {
        case let .failure(refusal): return refusal.response { refused(context, $0, status: $1) }
        case let .success(form): (parts, session) = form
        }
        guard let file = parts["logo"], !file.isEmpty else { return refused(context, "logo: choose a file.", status: .badRequest) }
        guard file.count <= Self.maxBytes else { return refused(context, "logo: the file is larger than 512 KiB.", status: .badRequest) }
        guard Self.imageType(Data(file)) != nil else {
            return refused(context, "logo: the file is not a PNG, JPEG, GIF or WebP image.", status: .badRequest)
        }
        try Data(file).write(to: URL(fileURLWithPath: path), options: .atomic)
        try await audit(session.username, "logo uploaded (\(file.count) bytes)")
        return .redirect(to: "/settings/project", type: .normal)
    }

    private func audit(_ user: String, _ detail: String) async throws {
        let now = Timestamp.now.millis
        try await store.run { try UserStore(db: $0.db).audit(user: user, action: "settings changed", detail: "project: \(detail)", now: now) }
        logger.notice("project logo changed in the web UI", metadata: ["user": "\(user)"])
    }

    private func refused(_ context: WebContext, _ problem: String, status: HTTPResponse.Status) -> Response {
        page.render(title: "Logo", session: context.session, status: status, body: """
            <p><a href="/settings">Settings</a> › <a href="/settings/project">Project</a></p><h1>Logo</h1>
            <p class="problem" id="logo-problem">\(HTML.escape(problem))</p>
            """)
    }

    /// The image type from the file's first bytes (the name and the browser's claim are not trusted).
    static func imageType(_ d: Data) -> String? {
        let b = [UInt8](d.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if b.starts(with: Array("GIF8".utf8)) { return "image/gif" }
        if b.count == 12 && b.starts(with: Array("RIFF".utf8)) && Array(b[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }
}

/// Why an upload form was not taken.
enum UploadRefusal: Error {
    case csrf
    case problem(String, HTTPResponse.Status)

    /// The CSRF page, or the route's own page saying the problem.
    func response(_ page: (String, HTTPResponse.Status) -> Response) -> Response {
        switch self {
        case .csrf: CSRF.refused()
        case let .problem(text, status): page(text, status)
        }
    }
}

/// A multipart/form-data body as name → bytes (enough for a form with one file).
enum Multipart {
    /// An upload form of an administrator: read (a file up to `maxBytes`), its CSRF token checked
    /// (it is inside the body), then the role.
    static func administratorForm(_ request: Request, _ context: WebContext, upTo maxBytes: Int) async throws
        -> Result<([String: [UInt8]], WebSession), UploadRefusal> {
        guard let session = context.session else { return .failure(.csrf) }
        let body = try await request.body.collect(upTo: maxBytes + 16 * 1024)
        guard let parts = parse(Array(buffer: body), contentType: request.headers[.contentType] ?? "") else {
            return .failure(.problem("The upload is not a multipart form.", .badRequest))
        }
        guard parts["csrf"].map({ String(decoding: $0, as: UTF8.self) }) == session.csrf else { return .failure(.csrf) }
        guard session.isAdmin else { return .failure(.problem("Only administrators change settings.", .forbidden)) }
        return .success((parts, session))
    }

    static func parse(_ body: [UInt8], contentType: String) -> [String: [UInt8]]? {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let range = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[range.upperBound...]).split(separator: ";").first.map(String.init) ?? ""
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        // RFC 2046: 1–70 characters; a longer one only makes the search slower.
        guard (1...70).contains(boundary.utf8.count) else { return nil }
        let delimiter = Array("--\(boundary)".utf8)
        var out: [String: [UInt8]] = [:]
        var starts: [Int] = []
        var i = 0
        while let at = find(delimiter, in: body, from: i) {
            starts.append(at)
            i = at + delimiter.count
        }
        guard starts.count >= 2 else { return nil }
        for (a, b) in zip(starts, starts.dropFirst()) {
            // A part: CRLF, headers, CRLF CRLF, content, CRLF, then the next delimiter.
            let part = Array(body[(a + delimiter.count)..<b])
            guard let split = find(Array("\r\n\r\n".utf8), in: part, from: 0) else { continue }
            let headers = String(decoding: part[..<split], as: UTF8.self)
            var content = Array(part[(split + 4)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            guard let nameRange = headers.range(of: " name=\"") else { continue }  // not filename="
            let name = String(headers[nameRange.upperBound...].prefix { $0 != "\"" })
            out[name] = content
        }
        return out
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= hay.count, start >= 0, start <= hay.count - needle.count else { return nil }
        var i = start
        while i <= hay.count - needle.count {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
