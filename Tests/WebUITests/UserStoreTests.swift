import Foundation
@testable import Storage
import TestSupport
import Testing
import Notifications
@testable import WebUI

/// Users and their erasure (GDPR): what goes, what stays under a neutral name, what is not touched.
@Suite struct UserStoreTests {
    @Test func deletingAUserErasesTheirTracesOnly() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path, parts: [NotificationTables.schema, WebTables.schema])
        let users = UserStore(db: store.db), log = NotificationStore(db: store.db)
        let al = try users.add(username: "al", fullName: "Al", isAdmin: false, passwordHash: "x", mustChange: false, now: 1)
        try users.add(username: "alice", fullName: "Alice", isAdmin: true, passwordHash: "y", mustChange: false, now: 1)
        try users.audit(user: "alice", action: "user added", detail: "added al as viewer", now: 2)
        try users.audit(user: "alice", action: "user changed", detail: "changed alice", now: 3)
        try users.audit(user: "al", action: "password changed", detail: "own password", now: 4)
        // The same address once for the user and once for a team recipient from the configuration.
        for recipient in [UserStore.recipientName("al"), "Team"] {
            let q = NotificationStore.Queued(id: 0, channel: .email, recipient: recipient, contact: "al@example.org", subject: "s", body: "b", attempts: 0)
            try log.record(q, at: 5, error: nil, retryAt: nil)
        }
        try users.delete(id: al)

        #expect(try users.user(named: "al") == nil && users.user(named: "alice") != nil)
        let audit = try users.auditLog()
        #expect(audit.map(\.detail).contains("added deleted user #\(al) as viewer"))
        #expect(audit.map(\.detail).contains("changed alice"), "another user whose name contains it is untouched")
        #expect(audit.contains { $0.user == "deleted user #\(al)" && $0.detail == "own password" } && !audit.contains { $0.user == "al" })
        let entries = try log.log(channel: nil, limit: 10)
        #expect(entries.contains { $0.recipient == "deleted user #\(al)" && $0.contact == "erased" })
        #expect(entries.contains { $0.recipient == "Team" && $0.contact == "al@example.org" }, "the team's delivery stays")
    }

    @Test func aUserNameIsReplacedOnlyWhereItStandsAlone() {
        #expect(UserStore.replacingWord("al", in: "al, alice, val, al.x, (al)", with: "X") == "X, alice, val, al.x, (X)")
    }
}
