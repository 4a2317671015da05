public import CCurl
import Foundation

/// What libcurl refused, in its own words.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Owns one libcurl easy handle: the one place that sets up libcurl and frees what it was given.
/// Used by e-mail and HTTP SMS delivery (one transfer per handle) and by `bmgw bench web` (one
/// handle per client thread, kept for its connection and TLS session).
///
/// Not Sendable: created, used and freed on one thread.
public final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// libcurl writes its detailed error here during perform: memory we own for the handle's lifetime.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Bytes to send (SMTP message) and received (HTTP response, its header lines).
    public final class Body {
        var outgoing: [UInt8] = []
        var offset = 0
        /// The response's first bytes (up to `keep`), for error messages.
        public internal(set) var incoming: [UInt8] = []
        var keep = 65536
        /// Every byte of the response body, kept or not.
        public internal(set) var received = 0
        /// The response's header lines, when asked for with ``collectHeaders()``.
        public internal(set) var headers: [String] = []
    }
    public let body = Body()

    /// libcurl's global state, set up once per process before any thread uses it.
    public static let ready: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init() throws(CurlError) {
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        guard Self.ready, let h = curl_easy_init() else {
            errorBuffer.deallocate()
            throw CurlError("cannot initialise libcurl")
        }
        handle = h
        try set(CURLOPT_NOSIGNAL, 1)  // we run on our own threads: no SIGALRM for timeouts
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
    }

    deinit {
        curl_easy_cleanup(handle)
        for l in lists { curl_slist_free_all(l) }
        errorBuffer.deallocate()
    }

    public func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(ccurl_setopt_long(handle, option, value), option)
    }

    public func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        // libcurl copies string options (since 7.17).
        try check(ccurl_setopt_string(handle, option, value), option)
    }

    public func set(_ option: CURLoption, list: [String]) throws(CurlError) {
        var l: UnsafeMutablePointer<curl_slist>?
        for item in list { l = curl_slist_append(l, item) }
        guard let l else { return }
        lists.append(l)
        try check(ccurl_setopt_slist(handle, option, l), option)
    }

    /// Sends `bytes` as the upload body (SMTP DATA).
    public func upload(_ bytes: [UInt8]) throws(CurlError) {
        body.outgoing = bytes
        body.offset = 0
        try check(ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, Self.read), CURLOPT_READFUNCTION)
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(body).toOpaque()), CURLOPT_READDATA)
        try set(CURLOPT_UPLOAD, 1)
    }

    /// Collects the response body (HTTP): its first `keep` bytes, and the count of all.
    public func collectResponse(keep: Int = 65536) throws(CurlError) {
        body.keep = keep
        try check(ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, Self.write), CURLOPT_WRITEFUNCTION)
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(body).toOpaque()), CURLOPT_WRITEDATA)
    }

    /// Collects the response's header lines into `body.headers` (each perform starts afresh).
    public func collectHeaders() throws(CurlError) {
        try check(ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, Self.header), CURLOPT_HEADERFUNCTION)
        try check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, Unmanaged.passUnretained(body).toOpaque()), CURLOPT_HEADERDATA)
    }

    /// Runs the transfer; the error names libcurl's reason and the server's last words.
    public func perform() throws(CurlError) {
        body.incoming.removeAll(keepingCapacity: true)
        body.headers.removeAll(keepingCapacity: true)
        body.received = 0
        let rc = withExtendedLifetime(body) { curl_easy_perform(handle) }
        guard rc == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let reason = String(cString: curl_easy_strerror(rc))
            throw CurlError(detail.isEmpty || detail == reason ? reason : "\(reason): \(detail)")
        }
    }

    public var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func check(_ rc: CURLcode, _ option: CURLoption) throws(CurlError) {
        guard rc == CURLE_OK else {
            throw CurlError("libcurl option \(option.rawValue): \(String(cString: curl_easy_strerror(rc)))")
        }
    }

    // C callbacks: no captures; the Body comes back through the user-data pointer.
    private static let read: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let body = Unmanaged<Body>.fromOpaque(user).takeUnretainedValue()
        let n = min(size * count, body.outgoing.count - body.offset)
        guard n > 0 else { return 0 }
        body.outgoing.withUnsafeBytes { src in
            guard let base = src.baseAddress else { return }
            UnsafeMutableRawPointer(buffer).copyMemory(from: base + body.offset, byteCount: n)
        }
        body.offset += n
        return n
    }

    private static let write: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
        guard let data, let user else { return 0 }
        let body = Unmanaged<Body>.fromOpaque(user).takeUnretainedValue()
        let n = size * count
        body.received += n
        // Keep only the start of a response: it is for error messages.
        if body.incoming.count < body.keep {
            body.incoming += UnsafeRawBufferPointer(start: data, count: n).prefix(body.keep - body.incoming.count)
        }
        return n
    }

    private static let header: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, user in
        guard let data, let user else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
        Unmanaged<Body>.fromOpaque(user).takeUnretainedValue().headers.append(line)
        return size * count
    }
}
