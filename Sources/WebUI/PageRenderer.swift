import BatteryModel
import HTTPTypes
import Hummingbird

/// Pages with the site's frame (site name, user menu, version).
struct PageRenderer: Sendable {
    let site: String
    let version: String
    /// The tree on the left (data centre → UPS → strings), made once.
    let tree: String

    init(topology: Topology, version: String) {
        site = topology.siteName
        self.version = version
        tree = HTML.tree(site: topology.siteName, topology: topology.upses.enumerated().map { i, u in
            (u.id, u.name, topology.stringIndexes(ofUPS: i).map { (topology.strings[$0].id, topology.strings[$0].name) })
        })
    }

    func render(title: String, session: WebSession?, status: HTTPResponse.Status = .ok, body: String) -> Response {
        WebResponse.html(HTML.page(title: title, site: site, version: version, user: session?.username, csrf: session?.csrf,
                                   tree: session?.mustChangePassword == false ? tree : "", body: body),
                         status: status)
    }
}
