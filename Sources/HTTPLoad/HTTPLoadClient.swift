import CCurl
import Foundation

/// A libcurl easy handle for the web benchmark: keeps its connection (keep-alive, TLS session)
/// between requests, discards bodies, remembers the session cookie. One per client thread:
/// not Sendable.
public final class HTTPLoadClient {
    private let handle: UnsafeMutableRawPointer
    /// What the callbacks fill in, reached through their user-data pointer.
    final class Received {
        var bytes = 0
        var cookie: String?
        /// The server's own time for the last response (its `Server-Timing: app;dur=` header), ms.
        var serverTime: Double?
    }
    private let received = Received()

    /// libcurl's global state, set up once per process before any client thread starts.
    public static let ready: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init?(ca: String) {
        guard Self.ready, let h = curl_easy_init() else { return nil }
        handle = h
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_string(h, CURLOPT_CAINFO, ca)
        _ = ccurl_setopt_callback(h, CURLOPT_WRITEFUNCTION, Self.write)
        _ = ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(received).toOpaque())
        _ = ccurl_setopt_callback(h, CURLOPT_HEADERFUNCTION, Self.header)
        _ = ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, Unmanaged.passUnretained(received).toOpaque())
    }

    deinit { curl_easy_cleanup(handle) }

    public var cookie: String? {
        get { received.cookie }
        set {
            received.cookie = newValue
            _ = ccurl_setopt_string(handle, CURLOPT_COOKIE, newValue.map { "bmgw_session=\($0)" } ?? "")
        }
    }

    /// GET; returns the status (0 on a transport error) and the body size.
    public func get(_ url: String) -> (status: Int, bytes: Int) {
        _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        return perform(url)
    }

    /// POST of a urlencoded form.
    public func post(_ url: String, form: String) -> (status: Int, bytes: Int) {
        _ = ccurl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, form)
        return perform(url)
    }

    /// The server's time for the last response, from its `Server-Timing` header (ms).
    public var serverTime: Double? { received.serverTime }

    private func perform(_ url: String) -> (status: Int, bytes: Int) {
        received.bytes = 0
        received.serverTime = nil
        _ = ccurl_setopt_string(handle, CURLOPT_URL, url)
        let rc = withExtendedLifetime(received) { curl_easy_perform(handle) }
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return (rc == CURLE_OK ? code : 0, received.bytes)
    }

    // C callbacks: no captures; the Received box comes back through the user-data pointer.
    private static let write: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { _, size, count, user in
        guard let user else { return 0 }
        Unmanaged<Received>.fromOpaque(user).takeUnretainedValue().bytes += size * count
        return size * count
    }

    private static let header: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
        guard let data, let user else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
        let prefix = "set-cookie: bmgw_session=", timing = "server-timing: app;dur="
        if line.lowercased().hasPrefix(timing) {
            let value = line.dropFirst(timing.count).prefix { $0 != ";" && $0 != "," && !$0.isNewline }  // "\r\n" is one Character
            Unmanaged<Received>.fromOpaque(user).takeUnretainedValue().serverTime = Double(value)
        } else if line.lowercased().hasPrefix(prefix) {
            let value = line.dropFirst(prefix.count).prefix { $0 != ";" && !$0.isNewline }
            Unmanaged<Received>.fromOpaque(user).takeUnretainedValue().cookie = value.isEmpty ? nil : String(value)
        }
        return size * count
    }
}
