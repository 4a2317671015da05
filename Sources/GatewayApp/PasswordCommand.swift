import ArgumentParser
import Foundation
import GatewayConfig
import Storage
import WebUI
import GatewayServices

/// `bmgw password USER`: sets a web UI password from the console, e.g. a forgotten administrator's.
/// The password is read from standard input (never an argument: it would show in the process list).
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Set a web UI user's password (read from standard input).",
        discussion: """
            The user must choose a new password at the next login unless --keep is given. Works while the gateway runs: \
            the user's open sessions end within 5 seconds. --create makes a missing user, as administrator.
            """)

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config = "config/gateway.yaml"

    @Flag(help: "Do not ask for a new password at the next login.")
    var keep = false

    @Flag(help: "Create the user (as administrator) if there is none of that name.")
    var create = false

    @Argument(help: "User name.")
    var user: String

    func validate() throws {
        guard WebUsers.isUserName(user) else { throw ValidationError("USER must be \(WebUsers.userNameRule)") }
    }

    func run() async throws {
        let cfg = try loadConfig(config)
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            printError("no password on standard input (e.g. read -rs P; printf '%s\\n' \"$P\" | bmgw password \(user))")
            throw ExitCode(2)
        }
        if let problem = WebUsers.problem(line, username: user) {
            printError("the password \(problem)")
            throw ExitCode(2)
        }
        let path = Gateway.databasePath(dataDirectory: cfg.dataDirectory)
        let store = try DatabaseQueue(label: "password") { try GatewayDatabase(path: path, parts: Gateway.tables) }
        let exists = try await store.run { [user] in try UserStore(db: $0.db).user(named: user) } != nil
        guard create || exists else {
            printError("no web UI user '\(user)'; add --create to make one")
            throw ExitCode(2)
        }
        let created = try await WebUsers.setPassword(line, for: user, mustChange: !keep, store: store)
        FileOutput.standardOutput.write("\(created ? "created administrator" : "password set for") \(user)\(keep ? "" : "; it must be changed at the next login")\n")
    }
}
