import BatteryModel
import Hummingbird
import Storage
import Alarms

/// Where a page sits in the plant, as the product manual's pages: the data centre, one UPS, one
/// string. Each level has the same tabs (Real-time / History / Discharge / Alarm / Settings), and
/// each list on them is filtered to the level.
enum Level: Equatable {
    case site
    case ups(String)
    case string(String)

    enum Tab: String, CaseIterable {
        case realTime, history, discharge, alarm, settings

        var title: String {
            switch self {
            case .realTime: "Real-time"
            case .history: "History"
            case .discharge: "Discharge"
            case .alarm: "Alarm"
            case .settings: "Settings"
            }
        }
    }

    /// The level's real-time page; the other tabs are below it.
    var base: String {
        switch self {
        case .site: ""
        case let .ups(id): "/ups/\(id)"
        case let .string(id): "/strings/\(id)"
        }
    }

    func path(_ tab: Tab) -> String {
        switch tab {
        case .realTime: base.isEmpty ? "/" : base
        case .history: base + "/history"
        case .discharge: base + "/discharges"
        case .alarm: base + "/alarms"
        case .settings:
            switch self {
            case .site: "/settings"
            case .ups: base + "/settings"
            case .string: base + "/limits"
            }
        }
    }

    var scope: ListScope {
        switch self {
        case .site: .site
        case let .ups(id): .ups(id)
        case let .string(id): .string(id)
        }
    }

    /// "Data centre › UPS 1 › String a1" for the page's first line, each part a link to its level.
    func trail(_ topology: Topology) -> String {
        var parts = ["<a href=\"/\">\(HTML.escape(topology.siteName.isEmpty ? "Data centre" : topology.siteName))</a>"]
        switch self {
        case .site: break
        case let .ups(id):
            let name = topology.upses.first { $0.id == id }?.name ?? id
            parts.append("<a href=\"/ups/\(HTML.escape(id))\">\(HTML.escape(name))</a>")
        case let .string(id):
            if let i = topology.stringIndex(id: id) {
                let s = topology.strings[i], u = topology.upses[s.upsIndex]
                parts.append("<a href=\"/ups/\(HTML.escape(u.id))\">\(HTML.escape(u.name))</a>")
                parts.append("<a href=\"/strings/\(HTML.escape(id))\">\(HTML.escape(s.name))</a>")
            }
        }
        return "<p class=\"trail\">" + parts.joined(separator: " › ") + "</p>"
    }

    /// `?ups=ID` or `?string=ID`: a level's alarm or discharge CSV.
    var csvQuery: String {
        switch self {
        case .site: ""
        case let .ups(id): "?ups=\(HTML.escape(id))"
        case let .string(id): "?string=\(HTML.escape(id))"
        }
    }

    /// The list scope a CSV download's query asks for (`csvQuery`).
    static func scope(_ request: Request) -> ListScope {
        let q = request.uri.queryParameters
        if let s = q["string"].map(String.init) { return .string(s) }
        if let u = q["ups"].map(String.init) { return .ups(u) }
        return .site
    }

    /// The trail and the level's tabs, `active` marked.
    func header(_ topology: Topology, active: Tab) -> String {
        let tabs = Tab.allCases.map { t in
            "<a href=\"\(HTML.escape(path(t)))\" id=\"tab-\(t.rawValue)\"\(t == active ? " class=\"active\" aria-current=\"page\"" : "")>\(t.title)</a>"
        }.joined()
        return trail(topology) + "<nav class=\"tabs\">\(tabs)</nav>"
    }
}

extension Level {
    /// Registers `GET <level>/<suffix>` at the data centre, each UPS and each string (`/history`,
    /// `/ups/{id}/history`, `/strings/{id}/history`); an unknown UPS or string is a 404 page.
    static func get(_ router: Router<WebContext>, _ suffix: String, topology: Topology, page: PageRenderer,
                    _ handler: @escaping @Sendable (Level, Request, WebContext) async throws -> Response) {
        router.get(RouterPath(stringLiteral: "/" + suffix)) { request, context -> Response in try await handler(.site, request, context) }
        router.get(RouterPath(stringLiteral: "/ups/:id/" + suffix)) { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard topology.upses.contains(where: { $0.id == id }) else { return page.notFound(context) }
            return try await handler(.ups(id), request, context)
        }
        router.get(RouterPath(stringLiteral: "/strings/:id/" + suffix)) { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard topology.stringIndex(id: id) != nil else { return page.notFound(context) }
            return try await handler(.string(id), request, context)
        }
    }
}
