import Foundation
import BatteryModel
public import GatewayConfig
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends SMS through a GSM/LTE modem on a serial port with AT commands (text mode, AT+CMGS).
/// Modem errors (`ERROR`, `+CMS ERROR: n`) come back as the delivery error.
public struct ModemSMS: Sendable {
    public let settings: ModemSettings

    public init(settings: ModemSettings) {
        self.settings = settings
    }

    /// Blocking: call from a delivery thread.
    /// Set when the SIM refused our PIN: it is never sent again by this process (three wrong tries lock the SIM).
    private static let pinRejected = Atomic<Bool>(false)
    /// One conversation with the modem at a time: a test SMS from the web UI may come while the
    /// delivery queue is sending, and two AT dialogues on one port garble each other.
    private static let portInUse = Mutex(())

    public func send(to phone: String, text: String) throws(DeliveryError) {
        let result = Self.portInUse.withLock { _ in Result { () throws(DeliveryError) in try converse(to: phone, text: text) } }
        try result.get()
    }

    private func converse(to phone: String, text: String) throws(DeliveryError) {
        let fd = try openPort()
        defer { close(fd) }
        var port = Port(fd: fd, timeout: settings.timeout)
        port.cancelTextEntry()                    // a modem left waiting for message text from an earlier failure
        try port.command("AT")                    // the modem answers at all
        try port.command("ATE0")                  // no echo of our commands
        let state = try port.command("AT+CPIN?")
        if state.contains("SIM PUK") { throw DeliveryError("the SIM is locked and needs its PUK", final: true) }
        if state.contains("SIM PIN") {
            guard let pin = settings.pin else { throw DeliveryError("the SIM needs a PIN: set notifications.sms.modem.pin", final: true) }
            guard !Self.pinRejected.load(ordering: .relaxed) else {
                throw DeliveryError("the SIM refused the configured PIN earlier; fix notifications.sms.modem.pin and restart", final: true)
            }
            do { try port.command("AT+CPIN=\(pin)") } catch {
                Self.pinRejected.store(true, ordering: .relaxed)
                throw DeliveryError("the SIM refused the configured PIN (\(error)); not tried again", final: true)
            }
        }
        try port.command("AT+CMGF=1")             // text mode
        _ = try? port.command("AT+CSCS=\"GSM\"")     // plain GSM alphabet (some modems lack the command)
        try port.command("AT+CMGS=\"\(phone)\"", until: ["> "])
        // The text, then Ctrl-Z; the modem reports +CMGS: <reference> and OK once the network took it,
        // which can take a while: a short timeout here would send the message twice on retry.
        try port.command(Self.gsmSafe(text) + "\u{1A}", terminator: "", timeout: max(settings.timeout, .seconds(90)))
    }

    /// Text mode in the GSM alphabet: printable ASCII only (units spelled out); 160 characters fit one message.
    static func gsmSafe(_ text: String) -> String {
        let spelled = text.replacingOccurrences(of: "°C", with: "C").replacingOccurrences(of: "µ", with: "u")
            .replacingOccurrences(of: "Ω", with: "Ohm").replacingOccurrences(of: "…", with: "...")
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
        let clean = String(spelled.map { c -> Character in
            if c == "\n" { return " " }
            guard let a = c.asciiValue else { return "?" }
            return a >= 0x20 && a != 0x7F ? c : " "
        })
        return clean.count > 160 ? String(clean.prefix(157)) + "..." : clean
    }

    private func openPort() throws(DeliveryError) -> Int32 {
        // Non-blocking open: a serial port without CLOCAL would otherwise wait for carrier detect.
        let fd = open(settings.device, O_RDWR | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw DeliveryError("cannot open modem \(settings.device): \(String(cString: strerror(errno)))") }
        var tio = termios()
        if tcgetattr(fd, &tio) == 0 {
            cfmakeraw(&tio)
            let speed: speed_t = switch settings.baud {
            case 9600: speed_t(B9600)
            case 19200: speed_t(B19200)
            case 38400: speed_t(B38400)
            case 57600: speed_t(B57600)
            default: speed_t(B115200)
            }
            cfsetispeed(&tio, speed)
            cfsetospeed(&tio, speed)
            tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
            tcsetattr(fd, TCSANOW, &tio)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        tcflush(fd, TCIOFLUSH)
        return fd
    }

    /// Line-oriented AT dialogue on a serial file descriptor.
    struct Port {
        let fd: Int32
        let timeout: Duration

        /// Sends `text` + terminator and reads until a final result; returns what came before it.
        /// ESC ends a pending message entry without sending; what the modem says to it is discarded.
        func cancelTextEntry() {
            _ = Array("\u{1B}\r".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(200_000)
            tcflush(fd, TCIFLUSH)
        }

        @discardableResult
        mutating func command(_ text: String, terminator: String = "\r", until finals: [String] = ["OK"],
                              timeout: Duration? = nil) throws(DeliveryError) -> String {
            let timeout = timeout ?? self.timeout
            let bytes = Array((text + terminator).utf8)
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { buf -> Int in
                    guard let base = buf.baseAddress else { return -1 }
                    return write(fd, base + written, bytes.count - written)
                }
                guard n > 0 else { throw DeliveryError("modem write failed: \(String(cString: strerror(errno)))") }
                written += n
            }
            // Neither the message nor the SIM PIN goes into error texts.
            let command = text.hasSuffix("\u{1A}") ? "message text" : text.hasPrefix("AT+CPIN=") ? "AT+CPIN=****" : text
            let deadline = ContinuousClock.now + timeout
            var reply = ""
            var chunk = [UInt8](repeating: 0, count: 256)
            while ContinuousClock.now < deadline {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let left = deadline - ContinuousClock.now
                guard poll(&p, 1, Int32(clamping: max(1, left.milliseconds))) > 0 else { break }
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                reply += String(decoding: chunk[0..<n], as: UTF8.self)
                if let error = Self.error(in: reply) { throw DeliveryError("modem answered \(error) to \(command)") }
                if finals.contains(where: { final in
                    final == "> " ? reply.contains(final) : reply.split(whereSeparator: \.isNewline).contains { $0.trimmingCharacters(in: .whitespaces) == final }
                }) {
                    return reply
                }
            }
            throw DeliveryError("modem did not answer \(command) within \(timeout)")
        }

        /// `ERROR`, `+CMS ERROR: n` or `+CME ERROR: n` on a line of its own.
        static func error(in reply: String) -> String? {
            for line in reply.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                if l == "ERROR" || l.hasPrefix("+CMS ERROR") || l.hasPrefix("+CME ERROR") { return l }
            }
            return nil
        }
    }
}
