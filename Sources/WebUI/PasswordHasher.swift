import Dispatch
import HummingbirdBcrypt

/// bcrypt off the async executors: a hash takes tens of milliseconds on purpose.
public enum PasswordHasher {
    public static let cost: UInt8 = 11
    private static let queue = DispatchQueue(label: "bcrypt", attributes: .concurrent)
    /// Checked against when the user does not exist, so a wrong name costs as much as a wrong password.
    /// A static is computed on first use: ``prepare()`` at start-up, so the first login does not pay for it.
    static let dummyHash = Bcrypt.hash("no such user", cost: cost)

    /// Computes the dummy hash off the async executors (the web server calls this before it listens).
    static func prepare() async {
        await withCheckedContinuation { c in queue.async { _ = dummyHash; c.resume() } }
    }

    static func hash(_ password: String, cost: UInt8 = cost) async -> String {
        await withCheckedContinuation { c in queue.async { c.resume(returning: Bcrypt.hash(password, cost: cost)) } }
    }

    static func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { c in queue.async { c.resume(returning: Bcrypt.verify(password, hash: hash)) } }
    }

    /// A password a person chose: long enough, not the user name, not the default.
    static func problem(_ password: String, username: String) -> String? {
        if password.count < 10 { return "must be at least 10 characters" }
        if password.lowercased() == username.lowercased() { return "must not be the user name" }
        if password == WebServer.defaultPassword { return "must not be the default password" }
        return nil
    }
}
