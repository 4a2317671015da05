public import Alarms
public import BatteryModel
import Foundation
import GatewayConfig
public import Logging
public import ServiceLifecycle
import ServiceSupport
import Sparkplug

/// Sparkplug B data of the plant into the Sparkplug uplink's outbox: every `publishInterval`, a
/// DDATA per string with the metrics that changed since they were last reported (report by
/// exception; everything again after births). Births, deaths and sequence numbers are the
/// connection's business (``SparkplugDialect``).
public struct SparkplugService: Service {
    let uplink: MQTTUplink
    let model: LiveModel
    let payloads: SparkplugPayloads
    /// Events are not sent (yet): the subscription paces the service and ends it with the gateway.
    let subscription: Subscription<GatewayEvent, Tick>
    let logger: Logger

    public init(uplink: MQTTUplink, model: LiveModel, version: String, events: EventBroadcaster, logger: Logger) {
        self.uplink = uplink
        self.model = model
        payloads = SparkplugPayloads(topology: model.topology, version: version)
        subscription = events.subscribe(ticks: Tick.self)
        self.logger = logger
    }

    enum Tick: Hashable, Sendable { case data }

    public func run() async throws {
        await uplink.start()
        var rbe = ReportByException()
        var births = uplink.births
        let uplink = self.uplink
        await ServiceLoop.run(subscription, timers: [.init(.data) { uplink.settings.publishInterval }]) { input in
            guard case .tick = input else { return }
            if uplink.births != births {
                births = uplink.births
                rbe = ReportByException()
            }
            let snapshot = model.snapshot(), now = Timestamp.now
            let topics = SparkplugTopics(group: uplink.settings.sparkplugGroup, node: uplink.settings.sparkplugNode)
            var drafts: [Outbox.Draft] = []
            for (i, s) in snapshot.topology.strings.enumerated() {
                let state = snapshot.strings[i]
                let metrics = SparkplugMetric.string(i, sample: state.sample, quality: state.quality, cellCount: s.cellCount)
                let changed = rbe.changes(device: i, metrics)
                if changed.isEmpty { continue }
                let payload = payloads.deviceData(changed, now: now, sampleTime: state.sample.map { Timestamp($0.time) })
                drafts.append(Outbox.Draft(kind: .measurement, topic: topics.deviceData(s.id)) { _ in payload })
            }
            if drafts.isEmpty { return }
            do {
                try await uplink.enqueue(drafts)
            } catch {
                logger.error("Sparkplug outbox: messages not stored", metadata: ["count": "\(drafts.count)", "error": "\(error)"])
            }
        }
        await uplink.stop()
    }
}
