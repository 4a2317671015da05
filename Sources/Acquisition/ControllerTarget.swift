public import GatewayConfig
import BatteryModel
public import RegisterMap

/// One controller to poll: which string it feeds, its unit id and read plan.
public struct ControllerTarget: Sendable {
    public var stringIndex: Int
    public var stringId: String
    public var unit: Int
    public var plan: ReadPlan

    public init(stringIndex: Int, stringId: String, unit: Int, plan: ReadPlan) {
        self.stringIndex = stringIndex
        self.stringId = stringId
        self.unit = unit
        self.plan = plan
    }
}

/// Controllers grouped by the link that reaches them: one TCP connection per
/// controller, one serial bus shared by all controllers on the same device.
public struct LinkPlan: Sendable {
    public var transport: Transport
    public var controllers: [ControllerTarget]

    /// Groups the configured controllers into links.
    public static func links(for config: GatewayConfig) -> [LinkPlan] {
        var links: [LinkPlan] = []
        var busIndex: [String: Int] = [:]
        for (i, c) in config.controllers.enumerated() {
            let info = config.topology.strings[i]
            let target = ControllerTarget(stringIndex: i, stringId: info.id, unit: c.unit,
                                          plan: ReadPlan(map: c.registerMap, cellCount: info.cellCount))
            switch c.transport {
            case .tcp:
                links.append(LinkPlan(transport: c.transport, controllers: [target]))
            case let .rtu(line):
                if let b = busIndex[line.device] {
                    links[b].controllers.append(target)
                } else {
                    busIndex[line.device] = links.count
                    links.append(LinkPlan(transport: c.transport, controllers: [target]))
                }
            }
        }
        return links
    }
}
