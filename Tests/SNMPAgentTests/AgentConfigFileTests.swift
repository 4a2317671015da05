import GatewayConfig
@testable import SNMPAgent
import Testing

@Suite struct AgentConfigFileTests {
    @Test func communitiesBySourceUsersAndSinks() {
        var s = SNMPSettings()
        s.community = "c0mm"
        s.sources = ["10.1.0.0/16", "fd00::/8", "192.0.2.7", "any"]
        s.trapDestinations = ["192.0.2.9:162"]
        s.limitWrites = true
        s.users = [SNMPUser(name: "ops", authPassphrase: "a\"b\\c d e", privPassphrase: "priv-pass-1", write: true),
                   SNMPUser(name: "ro", authPassphrase: "auth-pass-2", privPassphrase: "priv-pass-2")]
        let lines = AgentConfigFile.text(s).split(separator: "\n").map(String.init)
        #expect(lines == [
            "dontLogTCPWrappersConnects yes",
            "rocommunity c0mm 10.1.0.0/16", "rocommunity6 c0mm fd00::/8", "rocommunity c0mm 192.0.2.7",
            "rocommunity c0mm default", "rocommunity6 c0mm default",
            "createUser ops SHA-256 \"a\\\"b\\\\c d e\" AES \"priv-pass-1\"", "rwuser ops authpriv",
            "createUser ro SHA-256 \"auth-pass-2\" AES \"priv-pass-2\"", "rouser ro authpriv",
            "trap2sink 192.0.2.9:162 c0mm",
        ])
    }

    @Test func writeAccessNeedsLimitWritesAndV2cCanBeOff() {
        var s = SNMPSettings()
        s.v2c = false
        s.users = [SNMPUser(name: "ops", authPassphrase: "auth-pass-1", privPassphrase: "priv-pass-1", write: true)]
        let text = AgentConfigFile.text(s)
        #expect(!text.contains("rocommunity"))
        #expect(text.contains("rouser ops authpriv") && !text.contains("rwuser"))
    }

    @Test func aSubagentLeavesAccessToItsMaster() {
        var s = SNMPSettings()
        s.mode = .agentx
        s.users = [SNMPUser(name: "ops", authPassphrase: "auth-pass-1", privPassphrase: "priv-pass-1")]
        s.trapDestinations = ["192.0.2.9:162"]
        #expect(AgentConfigFile.text(s) == "dontLogTCPWrappersConnects yes\nagentxPingInterval 5\n")
    }

    @Test func savedUsersAreDroppedAndTheRestKept() {
        let saved = "engineBoots 3\nusmUser 1 3 0x80 \"ops\" ...\noldEngineID 0x80001f88\n"
        #expect(AgentConfigFile.withoutSavedUsers(saved) == "engineBoots 3\noldEngineID 0x80001f88\n")
    }
}
