import BatteryModel
public import Storage
import Foundation

/// Web UI accounts from outside the server: `bmgw password` (a forgotten administrator password)
/// and the benchmark.
public enum WebUsers {
    /// Sets a user's password (creating the user as an administrator if missing); with `mustChange`
    /// the password has to be changed at the next login. Returns whether the user was created.
    @discardableResult
    public static func setPassword(_ password: String, for username: String, mustChange: Bool, store: DatabaseQueue<GatewayDatabase>,
                                   cost: UInt8 = PasswordHasher.cost) async throws -> Bool {
        let hash = await PasswordHasher.hash(password, cost: cost)
        let now = Timestamp.now.millis
        return try await store.run { s in
            let users = UserStore(db: s.db)
            var created = false
            try s.db.transaction {
                if let u = try users.user(named: username) {
                    try users.setPassword(id: u.id, hash: hash, mustChange: mustChange, now: now)
                } else {
                    try users.add(username: username, fullName: "", isAdmin: true, passwordHash: hash, mustChange: mustChange, now: now)
                    created = true
                }
                try users.audit(user: "bmgw password", action: "password set", detail: "user \(username)\(created ? " (created)" : "")", now: now)
            }
            return created
        }
    }

    public static let userNameRule = "1–32 of a–z, 0–9, '.', '_' or '-'"

    public static func isUserName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".contains($0) }
    }

    /// What is wrong with a password a person chose, or nil.
    public static func problem(_ password: String, username: String) -> String? {
        PasswordHasher.problem(password, username: username)
    }
}
