import CMosquitto
import GatewayConfig
import ServiceSupport
#if canImport(Glibc)
import Glibc
#endif

/// One libmosquitto client for one connection: made, connected, driven and destroyed by the uplink
/// thread alone (`mosquitto_loop` runs the callbacks on that thread, so they need no lock). A new
/// connection gets a new client, so no message hidden in libmosquitto's queue is sent twice.
final class MosquittoClient {
    enum Event: Equatable {
        case connected
        /// CONNACK with a refusal: the reason.
        case refused(String)
        case disconnected(String)
        /// PUBACK (MQTT 5 reason code; ≥ 0x80 is a refusal).
        case published(mid: Int32, reason: Int32)
        /// A message on a subscribed topic (a Sparkplug command).
        case message(topic: String, payload: [UInt8])
    }

    private static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    private let handle: OpaquePointer
    private let settings: MQTTSettings
    /// What the callbacks reported since the caller last took them.
    private var events: [Event] = []
    /// The last error or warning libmosquitto logged (TLS problems are only told there).
    private(set) var lastLog: String?

    /// Sets up the client (TLS, credentials, the will); throws a clear reason when the settings
    /// cannot work, e.g. an unreadable CA file.
    init(settings: MQTTSettings, will: UplinkMessage) throws(UplinkError) {
        _ = Self.initialized
        guard let h = mosquitto_new(settings.clientId, false, nil) else { throw UplinkError(.noClient, "cannot create an MQTT client (out of memory)") }
        handle = h
        self.settings = settings
        mosquitto_user_data_set(h, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_int_option(h, MOSQ_OPT_PROTOCOL_VERSION, settings.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311)
        mosquitto_int_option(h, MOSQ_OPT_SEND_MAXIMUM, Int32(min(settings.maxInflight, 65535)))
        mosquitto_connect_v5_callback_set(h, Self.onConnect)
        mosquitto_disconnect_v5_callback_set(h, Self.onDisconnect)
        mosquitto_publish_v5_callback_set(h, Self.onPublish)
        mosquitto_message_v5_callback_set(h, Self.onMessage)
        mosquitto_log_callback_set(h, Self.onLog)
        if settings.tls {
            for (what, path) in [("CA file", settings.caFile), ("certificate file", settings.certFile), ("key file", settings.keyFile)] {
                if let path, access(path, R_OK) != 0 { throw UplinkError(.tlsFiles, "\(what) \(path) is not readable") }
            }
            var rc = mosquitto_tls_set(h, settings.caFile, nil, settings.certFile, settings.keyFile, Self.noPassword)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw UplinkError(.tlsFiles, "TLS files not usable: \(Self.text(rc))") }
            // Verify the server's certificate; the minimum TLS version (newer ones stay allowed).
            rc = mosquitto_tls_opts_set(h, 1, settings.tlsVersion == "1.3" ? "tlsv1.3" : "tlsv1.2", nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw UplinkError(.tlsOptions, "TLS options refused: \(Self.text(rc))") }
            mosquitto_tls_insecure_set(h, false)  // the host name must match the certificate
        }
        if let user = settings.username {
            mosquitto_username_pw_set(h, user, settings.password)
        }
        _ = will.payload.withUnsafeBytes { mosquitto_will_set(h, will.topic, Int32($0.count), $0.baseAddress, 1, will.retain) }
    }

    deinit {
        mosquitto_destroy(handle)
    }

    /// Opens the TCP connection and starts TLS and CONNECT; CONNACK comes through `loop`.
    func connect() throws(UplinkError) {
        let keepalive = Int32(clamping: settings.keepalive.components.seconds)
        var rc: Int32
        if settings.protocolVersion == .v5 {
            var props: OpaquePointer?
            mosquitto_property_add_int32(&props, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                                         UInt32(clamping: settings.sessionExpiry.components.seconds))
            rc = mosquitto_connect_bind_v5(handle, settings.host, Int32(settings.port), keepalive, nil, props)
            mosquitto_property_free_all(&props)
        } else {
            rc = mosquitto_connect(handle, settings.host, Int32(settings.port), keepalive)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw UplinkError(.refused, describe(rc)) }
    }

    /// Network I/O for up to `timeoutMs`; callbacks run inside. Returns nil or the reason the connection is gone.
    func loop(timeoutMs: Int32) -> String? {
        let rc = mosquitto_loop(handle, timeoutMs, 1)
        return rc == MOSQ_ERR_SUCCESS.rawValue ? nil : describe(rc)
    }

    /// Hands a QoS 1 message to libmosquitto (written at once); returns its message id.
    func publish(topic: String, payload: [UInt8], retain: Bool) throws(UplinkError) -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { mosquitto_publish(handle, &mid, topic, Int32($0.count), $0.baseAddress, 1, retain) }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw UplinkError(.refused, describe(rc)) }
        return mid
    }

    /// Subscribes at QoS 1 (the SUBACK is not waited for).
    func subscribe(_ topic: String) throws(UplinkError) {
        let rc = mosquitto_subscribe(handle, nil, topic, 1)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw UplinkError(.refused, describe(rc)) }
    }

    func disconnect() {
        mosquitto_disconnect(handle)
    }

    /// No more log lines once connected: libmosquitto formats one per packet (a malloc and a
    /// vsnprintf for each PUBLISH and PUBACK) when a callback is set, and only the connection's own
    /// errors (TLS, refused) say more than the return codes that follow them.
    func stopLogging() {
        mosquitto_log_callback_set(handle, nil)
    }

    func takeEvents() -> [Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// libmosquitto's error text, with the last TLS complaint when there is one.
    private func describe(_ rc: Int32) -> String {
        let base = Self.text(rc)
        guard rc == MOSQ_ERR_TLS.rawValue || rc == MOSQ_ERR_CONN_LOST.rawValue || rc == MOSQ_ERR_ERRNO.rawValue, let log = lastLog else { return base }
        return "\(base): \(log)"
    }

    static func text(_ rc: Int32) -> String {
        mosquitto_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
    }

    private static func client(_ obj: UnsafeMutableRawPointer?) -> MosquittoClient? {
        obj.map { Unmanaged<MosquittoClient>.fromOpaque($0).takeUnretainedValue() }
    }

    // Callbacks: static, no captures (see C-INTEROP.md); they run on the uplink thread inside loop/publish.
    private static let onConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?) -> Void = { _, obj, rc, _, _ in
        guard let c = client(obj) else { return }
        if rc == 0 {
            c.events.append(.connected)
        } else {
            // MQTT 5 reason codes are ≥ 0x80; 3.1.1 CONNACK codes are 1…5.
            let reason = rc >= 0x80 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc)
            c.events.append(.refused(reason.map { String(cString: $0) } ?? "refused (\(rc))"))
        }
    }

    private static let onDisconnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, OpaquePointer?) -> Void = { _, obj, rc, _ in
        guard let c = client(obj) else { return }
        c.events.append(.disconnected(rc == 0 ? "disconnected" : c.describe(rc)))
    }

    private static let onPublish: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?) -> Void = { _, obj, mid, reason, _ in
        client(obj)?.events.append(.published(mid: mid, reason: reason))
    }

    private static let onMessage: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?, OpaquePointer?) -> Void = { _, obj, message, _ in
        guard let c = client(obj), let m = message?.pointee, let topic = m.topic else { return }
        let payload = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? []
        c.events.append(.message(topic: String(cString: topic), payload: payload))
    }

    private static let onLog: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = { _, obj, level, text in
        guard let c = client(obj), let text, level == MOSQ_LOG_ERR || level == MOSQ_LOG_WARNING else { return }
        c.lastLog = String(cString: text)
    }

    /// An encrypted key file is refused instead of prompting on the terminal.
    private static let noPassword: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }
}
