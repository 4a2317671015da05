import Foundation
import Hummingbird

/// Browser libraries from Debian's `libjs-*` packages, served by the gateway from their system path
/// (the web UI works without the internet): dygraphs for the time plots.
struct SystemScripts: Sendable {
    static let dygraphsDirectory = "/usr/share/javascript/dygraphs"

    let dygraphJS: String?
    let dygraphCSS: String?

    /// Reads the files once; nil (and the plots fall back to their tables) when the package is missing.
    init(directory: String = Self.dygraphsDirectory) {
        dygraphJS = try? String(contentsOfFile: "\(directory)/dygraph.min.js", encoding: .utf8)
        dygraphCSS = try? String(contentsOfFile: "\(directory)/dygraph.min.css", encoding: .utf8)
    }

    func register(_ router: Router<WebContext>) {
        let files: [(String, String?, String)] = [
            ("/static/dygraph.min.js", dygraphJS, "text/javascript; charset=utf-8"),
            ("/static/dygraph.min.css", dygraphCSS, "text/css; charset=utf-8"),
            ("/static/plots.js", PlotScript.text, "text/javascript; charset=utf-8"),
        ]
        for (path, text, type) in files {
            router.get(RouterPath(stringLiteral: path)) { _, _ -> Response in
                guard let text else {
                    return Response(status: .notFound, headers: [.contentType: "text/plain"],
                                    body: .init(byteBuffer: .init(string: "libjs-dygraphs is not installed (scripts/install-deps.sh)")))
                }
                var r = Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: .init(string: text)))
                r.headers[.cacheControl] = "max-age=86400"
                return r
            }
        }
    }
}
