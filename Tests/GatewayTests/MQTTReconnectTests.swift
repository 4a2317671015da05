import Foundation
import GatewayApp
import Simulator
import Uplink
import Testing

/// After an outage long enough for the back-off to grow (20 s: 1, 2, 4, 8, 16 s before the cap), a
/// gateway with a backlog is delivering again within a few seconds of the broker coming back.
@Suite(.serialized, .timeLimit(.minutes(2))) struct MQTTReconnectTests {
    @Test func backlogFlowsSoonAfterTheBrokerIsBack() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broker = try Broker(dir: dir)
        try await broker.start()
        let (sim, port) = try startSimulator(units: [1], cells: 8)
        let gw = try RunningGateway(configFile: try dir.write("g.yaml", configText(
            data: dir.path, endpoints: [.tcp(port: port, unit: 1)], cells: 8, extra: mqttSection(port: broker.tlsPort))))
        #expect(await eventually { (gw.gateway.uplinkStatus?.acknowledged ?? 0) > 0 }, "\(String(describing: gw.gateway.uplinkStatus))")

        await broker.stop()
        try await Task.sleep(for: .seconds(20))
        let before = try #require(gw.gateway.uplinkStatus)
        #expect(before.state != .connected && before.outboxMessages > 0, "a backlog while the broker is away: \(before)")
        try await broker.start()
        let up = ContinuousClock.now
        let delivered = await eventually(30) { (gw.gateway.uplinkStatus?.acknowledged ?? 0) > before.acknowledged }
        let delay = ContinuousClock.now - up
        #expect(delivered)
        print("MQTT: first delivery \(delay) after the broker was back (20 s outage)")
        // At most 2.4 s of back-off, then TCP, TLS and the first PUBACK on a loaded two-core machine.
        #expect(delay < .seconds(5), "first delivery \(delay) after the broker was back")

        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }
}
