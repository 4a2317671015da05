/// The plant as configured: data centre → UPS → string → cells.
///
/// Indexes into ``upses`` and ``strings`` are positions in the configuration;
/// the `id` strings are the stable names used in storage and outputs.
public struct Topology: Sendable, Equatable {
    public struct UPS: Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct BatteryString: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Index into ``Topology/upses``.
        public var upsIndex: Int
        public var cellCount: Int
        /// What its batteries are (data sheet).
        public var battery: BatterySpec
        public init(id: String, name: String, upsIndex: Int, cellCount: Int, battery: BatterySpec = .init()) {
            self.id = id
            self.name = name
            self.upsIndex = upsIndex
            self.cellCount = cellCount
            self.battery = battery
        }
    }

    public var siteName: String
    public var upses: [UPS]
    public var strings: [BatteryString]

    public init(siteName: String, upses: [UPS], strings: [BatteryString]) {
        self.siteName = siteName
        self.upses = upses
        self.strings = strings
    }

    public var cellCount: Int { strings.reduce(0) { $0 + $1.cellCount } }

    /// Indexes of the strings that belong to one UPS.
    public func stringIndexes(ofUPS upsIndex: Int) -> [Int] {
        strings.indices.filter { strings[$0].upsIndex == upsIndex }
    }

    public func stringIndex(id: String) -> Int? {
        strings.firstIndex { $0.id == id }
    }
}
