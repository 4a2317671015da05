/// Sparkplug B topics of one edge node: `spBv1.0/<group>/<type>/<edge node>[/<device>]`.
public struct SparkplugTopics: Sendable, Equatable {
    public static let namespace = "spBv1.0"
    public let group: String
    public let node: String

    public init(group: String, node: String) {
        self.group = group
        self.node = node
    }

    func topic(_ type: String, device: String? = nil) -> String {
        "\(Self.namespace)/\(group)/\(type)/\(node)" + (device.map { "/\($0)" } ?? "")
    }

    public var nodeBirth: String { topic("NBIRTH") }
    public var nodeDeath: String { topic("NDEATH") }
    public var nodeCommand: String { topic("NCMD") }
    public func deviceBirth(_ device: String) -> String { topic("DBIRTH", device: device) }
    public func deviceData(_ device: String) -> String { topic("DDATA", device: device) }

    /// Group, edge node and device ids may not hold the topic separators and wildcards.
    public static func isValidId(_ s: String) -> Bool {
        !s.isEmpty && !s.contains(where: { $0 == "/" || $0 == "+" || $0 == "#" })
    }
}
