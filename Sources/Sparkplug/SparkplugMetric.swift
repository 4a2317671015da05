public import BatteryModel

/// One Sparkplug metric of the plant: a stable alias, its name, type and unit, and its value now.
public struct SparkplugMetric: Sendable, Equatable {
    /// Sparkplug B data types used here (the specification's numbering).
    public enum DataType: UInt32, Sendable {
        case int32 = 3, int64 = 4, uint64 = 8, double = 10, boolean = 11, string = 12
    }

    public enum Value: Sendable, Equatable {
        case double(Double), int(Int64), bool(Bool), string(String), null
    }

    public var alias: UInt64
    public var name: String
    public var type: DataType
    /// Engineering unit (the `engUnit` property of births), empty when none.
    public var unit: String
    public var value: Value

    public init(alias: UInt64, name: String, type: DataType, unit: String, value: Value) {
        (self.alias, self.name, self.type, self.unit, self.value) = (alias, name, type, unit, value)
    }

    /// A string's metrics in alias order: its values, its quality, then every cell's five values.
    /// Aliases are unique across the edge node: 10 000 × (string position) + the metric's number.
    public static func string(_ i: Int, sample: StringSample?, quality: Quality, cellCount: Int) -> [SparkplugMetric] {
        let base = UInt64(i + 1) * 10_000
        let v = sample?.values
        var out: [SparkplugMetric] = []
        out.reserveCapacity(6 + cellCount * CellQuantity.sparkplug.count)
        for (n, (q, name)) in StringQuantity.sparkplug.enumerated() {
            out.append(SparkplugMetric(alias: base + UInt64(n + 1), name: name, type: .double, unit: q.displayUnit,
                                       value: v.map { double($0[q], q.displayScale) } ?? .null))
        }
        out.append(SparkplugMetric(alias: base + 9, name: "Quality", type: .string, unit: "", value: .string(quality.rawValue)))
        let c = sample?.cells
        for cell in 0..<cellCount {
            for (n, (q, name)) in CellQuantity.sparkplug.enumerated() {
                let raw = c.flatMap { cell < $0.count ? $0[q][cell] : nil }
                out.append(SparkplugMetric(alias: base + 100 + UInt64(cell) * 10 + UInt64(n), name: "Cells/\(cellName(cell))/\(name)",
                                           type: .double, unit: q.displayUnit, value: raw.map { double($0, q.displayScale) } ?? .null))
            }
        }
        return out
    }

    /// "007": names sort in cell order in a tag browser.
    static func cellName(_ cell: Int) -> String {
        let n = String(cell + 1)
        return String(repeating: "0", count: max(0, 3 - n.count)) + n
    }

    static func double(_ raw: Int32, _ scale: Double) -> Value {
        Measurement.display(raw, scale: scale).map(Value.double) ?? .null
    }
}

extension StringQuantity {
    static let sparkplug: [(StringQuantity, String)] = [
        (.voltage, "Voltage"), (.current, "Current"), (.soc, "SoC"), (.temperature, "Temperature"), (.humidity, "Humidity"),
    ]
}

extension CellQuantity {
    static let sparkplug: [(CellQuantity, String)] = [
        (.voltage, "Voltage"), (.resistance, "Resistance"), (.temperature, "Temperature"), (.soc, "SoC"), (.soh, "SoH"),
    ]
}
