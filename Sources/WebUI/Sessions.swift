import Crypto
import Foundation
import Synchronization

/// A logged-in browser.
struct WebSession: Sendable {
    let token: String
    let userId: Int64
    let username: String
    let isAdmin: Bool
    /// Sent with every form; a POST without it is refused (CSRF).
    let csrf: String
    var mustChangePassword: Bool
    var lastSeen: ContinuousClock.Instant
    /// The password the session was opened with (the end of its hash): a session does not outlive
    /// a change of it made elsewhere (`bmgw password`, another administrator).
    var passwordMark: String
}

/// Sessions in memory (a restart logs everybody out), ended after `timeout` without a request.
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: WebSession]>([:])
    let timeout: Duration

    init(timeout: Duration) {
        self.timeout = timeout
    }

    static func randomToken() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func mark(_ passwordHash: String) -> String { String(passwordHash.suffix(16)) }

    func create(userId: Int64, username: String, isAdmin: Bool, mustChangePassword: Bool, passwordHash: String) -> WebSession {
        let s = WebSession(token: Self.randomToken(), userId: userId, username: username, isAdmin: isAdmin, csrf: Self.randomToken(),
                           mustChangePassword: mustChangePassword, lastSeen: .now, passwordMark: Self.mark(passwordHash))
        sessions.withLock { all in
            let now = ContinuousClock.now
            all = all.filter { now - $0.value.lastSeen < timeout }
            all[s.token] = s
        }
        return s
    }

    /// The session of `token` if it has not expired; touching it keeps it alive.
    func touch(_ token: String) -> WebSession? {
        sessions.withLock { all in
            guard var s = all[token] else { return nil }
            let now = ContinuousClock.now
            guard now - s.lastSeen < timeout else {
                all[token] = nil
                return nil
            }
            s.lastSeen = now
            all[token] = s
            return s
        }
    }

    func update(_ token: String, mustChangePassword: Bool, passwordHash: String) {
        sessions.withLock {
            $0[token]?.mustChangePassword = mustChangePassword
            $0[token]?.passwordMark = Self.mark(passwordHash)
        }
    }

    /// Ends the sessions whose user is gone, changed role, or has another password now (`users`:
    /// the database's users by id). Returns how many ended.
    @discardableResult
    func endStale(users: [Int64: (isAdmin: Bool, passwordHash: String)]) -> Int {
        sessions.withLock { all in
            let before = all.count
            all = all.filter { _, s in
                guard let u = users[s.userId] else { return false }
                return u.isAdmin == s.isAdmin && Self.mark(u.passwordHash) == s.passwordMark
            }
            return before - all.count
        }
    }

    func end(_ token: String) {
        sessions.withLock { $0[token] = nil }
    }

    /// Every session of a user (password changed elsewhere, user deleted).
    func end(userId: Int64, except token: String? = nil) {
        sessions.withLock { $0 = $0.filter { $0.value.userId != userId || $0.key == token } }
    }
}

/// Wrong passwords per client address and per user name: after `limit` within `window`, logins
/// are refused (429) until the oldest failure leaves the window.
final class LoginThrottle: Sendable {
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    let limit: Int
    let window: Duration

    init(limit: Int = 5, window: Duration = .seconds(300)) {
        self.limit = limit
        self.window = window
    }

    /// How long the client must wait, or nil when it may try.
    func wait(address: String, user: String) -> Duration? {
        let now = ContinuousClock.now
        return failures.withLock { f in
            [ "a:" + address, "u:" + user.lowercased() ].compactMap { key -> Duration? in
                let recent = (f[key] ?? []).filter { now - $0 < window }
                f[key] = recent
                guard recent.count >= limit, let oldest = recent.first else { return nil }
                return window - (now - oldest)
            }.max()
        }
    }

    func failed(address: String, user: String) {
        let now = ContinuousClock.now
        failures.withLock { f in
            for key in ["a:" + address, "u:" + user.lowercased()] { f[key, default: []].append(now) }
        }
    }

    func succeeded(user: String) {
        failures.withLock { $0["u:" + user.lowercased()] = nil }
    }
}
