import CCurl
import Foundation

/// Owns one libcurl easy handle for one transfer.
///
/// Not Sendable: created, used and freed on the notification delivery thread.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// libcurl writes its detailed error here during perform: memory we own for the handle's lifetime.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Bytes to send (SMTP message) and received (HTTP response).
    final class Body {
        var outgoing: [UInt8] = []
        var offset = 0
        var incoming: [UInt8] = []
    }
    let body = Body()

    /// libcurl's global state is set up once per process, before any thread uses it.
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    init() throws(DeliveryError) {
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        guard Self.initialised, let h = curl_easy_init() else {
            errorBuffer.deallocate()
            throw DeliveryError("cannot initialise libcurl")
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

    func set(_ option: CURLoption, _ value: Int) throws(DeliveryError) {
        try check(ccurl_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(DeliveryError) {
        // libcurl copies string options (since 7.17).
        try check(ccurl_setopt_string(handle, option, value), option)
    }

    func set(_ option: CURLoption, list: [String]) throws(DeliveryError) {
        var l: UnsafeMutablePointer<curl_slist>?
        for item in list { l = curl_slist_append(l, item) }
        guard let l else { return }
        lists.append(l)
        try check(ccurl_setopt_slist(handle, option, l), option)
    }

    /// Sends `bytes` as the upload body (SMTP DATA).
    func upload(_ bytes: [UInt8]) throws(DeliveryError) {
        body.outgoing = bytes
        body.offset = 0
        try check(ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, Self.read), CURLOPT_READFUNCTION)
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(body).toOpaque()), CURLOPT_READDATA)
        try set(CURLOPT_UPLOAD, 1)
    }

    /// Collects the response body (HTTP).
    func collectResponse() throws(DeliveryError) {
        try check(ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, Self.write), CURLOPT_WRITEFUNCTION)
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(body).toOpaque()), CURLOPT_WRITEDATA)
    }

    /// Runs the transfer; the error names libcurl's reason and the server's last words.
    func perform() throws(DeliveryError) {
        let rc = withExtendedLifetime(body) { curl_easy_perform(handle) }
        guard rc == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            let reason = String(cString: curl_easy_strerror(rc))
            throw DeliveryError(detail.isEmpty || detail == reason ? reason : "\(reason): \(detail)")
        }
    }

    var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func check(_ rc: CURLcode, _ option: CURLoption) throws(DeliveryError) {
        guard rc == CURLE_OK else {
            throw DeliveryError("libcurl option \(option.rawValue): \(String(cString: curl_easy_strerror(rc)))")
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
        // Keep at most 64 KiB of a response: it is only for error messages.
        if body.incoming.count < 65536 {
            body.incoming += UnsafeRawBufferPointer(start: data, count: n).prefix(65536 - body.incoming.count)
        }
        return n
    }
}
