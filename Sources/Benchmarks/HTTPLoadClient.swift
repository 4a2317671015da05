import CCurl
import CurlClient

/// One web-benchmark client on a libcurl handle: keeps its connection (keep-alive, TLS session)
/// between requests, counts and discards bodies, remembers the session cookie. One per client
/// thread: not Sendable.
final class HTTPLoadClient {
    private let curl: CurlEasy

    init?(ca: String) {
        guard let curl = try? CurlEasy() else { return nil }
        do {
            try curl.set(CURLOPT_CAINFO, ca)
            try curl.collectResponse(keep: 0)
            try curl.collectHeaders()
        } catch { return nil }
        self.curl = curl
    }

    /// The session token the server set, or the one given to send.
    var cookie: String? {
        didSet { try? curl.set(CURLOPT_COOKIE, cookie.map { "bmgw_session=\($0)" } ?? "") }
    }

    /// The server's own time for the last response (its `Server-Timing: app;dur=` header), ms.
    private(set) var serverTime: Double?

    /// GET; returns the status (0 on a transport error) and the body size.
    func get(_ url: String) -> (status: Int, bytes: Int) {
        try? curl.set(CURLOPT_HTTPGET, 1)
        return perform(url)
    }

    /// POST of a urlencoded form.
    func post(_ url: String, form: String) -> (status: Int, bytes: Int) {
        try? curl.set(CURLOPT_COPYPOSTFIELDS, form)
        return perform(url)
    }

    private func perform(_ url: String) -> (status: Int, bytes: Int) {
        serverTime = nil
        do {
            try curl.set(CURLOPT_URL, url)
            try curl.perform()
        } catch { return (0, curl.body.received) }
        readHeaders()
        return (curl.responseCode, curl.body.received)
    }

    private func readHeaders() {
        let cookiePrefix = "set-cookie: bmgw_session=", timing = "server-timing: app;dur="
        for line in curl.body.headers {
            let lower = line.lowercased()
            if lower.hasPrefix(timing) {
                // "\r\n" is one Character, hence isNewline.
                serverTime = Double(line.dropFirst(timing.count).prefix { $0 != ";" && $0 != "," && !$0.isNewline })
            } else if lower.hasPrefix(cookiePrefix) {
                let value = line.dropFirst(cookiePrefix.count).prefix { $0 != ";" && !$0.isNewline }
                cookie = value.isEmpty ? nil : String(value)
            }
        }
    }
}
