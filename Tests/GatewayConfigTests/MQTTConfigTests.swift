import GatewayConfig
import Testing

@Suite struct MQTTConfigTests {
    @Test func defaultsAreSecure() throws {
        let c = try load(validConfig + "\nmqtt: { host: broker.example, tls: { caFile: /etc/ssl/ca.pem } }\n")
        let m = try #require(c.mqtt)
        #expect(m.tls && m.port == 8883 && m.tlsVersion == "1.2" && m.protocolVersion == .v5)
        #expect(m.clientId == "bmgw-gw-1" && m.topicPrefix == "btms/gw-1")
        #expect(m.publishInterval == .seconds(10) && m.outboxMaxBytes == 1024 * 1024 * 1024 && m.maxInflight == 100)
        #expect(m.caFile == "/etc/ssl/ca.pem" && m.certFile == nil)
    }

    @Test func everyProblemIsNamed() throws {
        let p = try problems(validConfig + """

            mqtt:
              host: "broker example"
              port: 0
              protocol: "4"
              password: secret-one
              tls: { certFile: client.crt }
              topicPrefix: "btms/#"
              publishInterval: 10ms
              outbox: { maxMegabytes: 0, maxInflight: 0, size: 3 }
            """)
        #expect(p.contains { $0.hasSuffix("mqtt.host: 'broker example' is not a host name or address") }, "\(p)")
        #expect(p.contains { $0.hasSuffix("mqtt.port: 0 is not in 1…65535") })
        #expect(p.contains { $0.contains("mqtt.protocol:") })
        #expect(p.contains { $0.hasSuffix("mqtt.password: is given without a username") })
        #expect(p.contains { $0.contains("mqtt.tls.caFile:") }, "TLS needs a CA file")
        #expect(p.contains { $0.hasSuffix("mqtt.tls.keyFile: a client certificate needs both certFile and keyFile") })
        #expect(p.contains { $0.contains("mqtt.topicPrefix: 'btms/#' must be a topic without wildcards") })
        #expect(p.contains { $0.contains("mqtt.publishInterval:") })
        #expect(p.contains { $0.contains("mqtt.outbox.maxMegabytes:") } && p.contains { $0.contains("mqtt.outbox.maxInflight:") })
        #expect(p.contains { $0.contains("mqtt.outbox.size: unknown key") })
        #expect(!p.joined().contains("secret-one"), "the password is not echoed")
    }

    @Test func plainTCPAndRelativeFiles() throws {
        let c = try load(validConfig + "\nmqtt: { host: 10.0.0.5, tls: { enabled: false }, protocol: \"3.1.1\", username: gw, password: pw }\n")
        let m = try #require(c.mqtt)
        #expect(!m.tls && m.port == 1883 && m.protocolVersion == .v311 && m.username == "gw" && m.password == "pw")
        let off = try load(validConfig + "\nmqtt: { enabled: false, host: x }\n")
        #expect(off.mqtt == nil)
    }

    @Test func homeAssistantDiscoveryIsOffUnlessAsked() throws {
        let plain = try #require(try load(validConfig + "\nmqtt: { host: b, tls: { enabled: false } }\n").mqtt)
        #expect(!plain.homeAssistant && plain.discoveryPrefix == "homeassistant")
        let on = try #require(try load(validConfig + "\nmqtt: { host: b, tls: { enabled: false }, homeAssistant: { discoveryPrefix: ha } }\n").mqtt)
        #expect(on.homeAssistant && on.discoveryPrefix == "ha")
        let p = try problems(validConfig + "\nmqtt: { host: b, tls: { enabled: false }, homeAssistant: { discoveryPrefix: \"ha/#\", entities: 3 } }\n")
        #expect(p.contains { $0.contains("mqtt.homeAssistant.discoveryPrefix: 'ha/#' must be a topic without wildcards") }, "\(p)")
        #expect(p.contains { $0.contains("mqtt.homeAssistant.entities: unknown key") }, "\(p)")
    }
}
