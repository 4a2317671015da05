import Foundation
import GatewayApp
import GatewayServices
import Simulator
import Uplink
import TestSupport
import Testing

/// After an outage long enough for the back-off to grow (16 s: without the cap the attempts would
/// come at 1, 3, 7, 15 and 31 s, 15 s after the broker is back), a gateway with a backlog is
/// delivering again within a few seconds of the broker coming back. In the recovery suite, so that
/// one broker outage runs at a time.
extension MQTTRecoveryTests {
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
        try await Task.sleep(for: .seconds(16))
        let before = try #require(gw.gateway.uplinkStatus)
        #expect(before.state != .connected && before.outboxMessages > 0, "a backlog while the broker is away: \(before)")
        try await broker.start()
        let up = ContinuousClock.now
        let delivered = await eventually(30) { (gw.gateway.uplinkStatus?.acknowledged ?? 0) > before.acknowledged }
        let delay = ContinuousClock.now - up
        #expect(delivered)
        print("MQTT: first delivery \(delay) after the broker was back (16 s outage)")
        // At most 2.4 s of back-off, then TCP, TLS and the first PUBACK on a loaded two-core machine.
        #expect(delay < .seconds(8), "first delivery \(delay) after the broker was back")

        try await gw.stop()
        await sim.stop()
        await broker.stop()
    }
}
