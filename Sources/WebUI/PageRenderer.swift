import BatteryModel
import Foundation
import GatewayConfig
import HTTPTypes
import Hummingbird

/// Pages with the site's frame (site name, user menu, version).
struct PageRenderer: Sendable {
    let topology: Topology
    let site: String
    let version: String
    /// The tree on the left (data centre → UPS → strings), made once.
    let tree: String
    /// The project (name, company) for the header, as currently set.
    let project: @Sendable () -> ProjectSettings
    let logoPath: String
    /// How times are shown, as currently set (the time settings' zone).
    let siteTime: @Sendable () -> SiteTime

    init(topology: Topology, version: String, project: @escaping @Sendable () -> ProjectSettings = { ProjectSettings() }, logoPath: String = "",
         siteTime: @escaping @Sendable () -> SiteTime = { .utc }) {
        self.topology = topology
        site = topology.siteName
        self.version = version
        self.project = project
        self.siteTime = siteTime
        self.logoPath = logoPath
        tree = HTML.tree(site: topology.siteName, topology: topology.upses.enumerated().map { i, u in
            (u.id, u.name, topology.stringIndexes(ofUPS: i).map { (topology.strings[$0].id, topology.strings[$0].name) })
        })
    }

    /// The 404 page of an unknown UPS, string, cell or event.
    func notFound(_ context: WebContext) -> Response {
        render(title: "Not found", session: context.session, status: .notFound, body: "<h1>Not found</h1>")
    }

    func render(title: String, session: WebSession?, status: HTTPResponse.Status = .ok, plots: Bool = false, body: String) -> Response {
        let p = project()
        var brand = FileManager.default.fileExists(atPath: logoPath) ? "<img class=\"logo\" src=\"/logo\" alt=\"logo\">" : ""
        let name = [p.name, p.company].filter { !$0.isEmpty }.joined(separator: " · ")
        if !name.isEmpty {
            brand += p.url.isEmpty ? "<span class=\"project\">\(HTML.escape(name))</span>"
                : "<a class=\"project\" href=\"\(HTML.escape(p.url))\" rel=\"noopener\">\(HTML.escape(name))</a>"
        }
        if !p.owner.isEmpty { brand += "<span class=\"owner\" id=\"owner\">owner: \(HTML.escape(p.owner))</span>" }
        let zone = siteTime().label(at: .now)
        return WebResponse.html(HTML.page(title: title, site: site, version: version, zone: zone, user: session?.username, csrf: session?.csrf, brand: brand,
                                   tree: session?.mustChangePassword == false ? tree : "", plots: plots, body: body),
                         status: status)
    }
}
