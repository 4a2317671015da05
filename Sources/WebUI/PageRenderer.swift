import HTTPTypes
import Hummingbird

/// Pages with the site's frame (site name, user menu, version).
struct PageRenderer: Sendable {
    let site: String
    let version: String

    func render(title: String, session: WebSession?, status: HTTPResponse.Status = .ok, body: String) -> Response {
        WebResponse.html(HTML.page(title: title, site: site, version: version, user: session?.username, csrf: session?.csrf, body: body),
                         status: status)
    }
}
