public import BatteryModel

/// The capacity-test report of one discharge event (docs/analytics.md): what happened, the
/// string's capacity by IEEE 450 where the event allows it, its weakest cells, and how it compares
/// with the string's previous discharge. Values in volts, amperes, ampere-hours, seconds and °C.
public struct DischargeReport: Sendable, Encodable {
    public struct Event: Sendable, Encodable {
        public var id: Int64
        public var ups: String
        public var string: String
        public var startAt: Timestamp
        public var endAt: Timestamp?
        public var start: String { startAt.iso }
        public var end: String? { endAt?.iso }
        public var durationSeconds: Double
        public var ampHours: Double
        public var meanCurrent: Double?
        public var minCurrent: Double?
        public var maxCurrent: Double?
        /// Mean cell temperature at the start (the string's sensor when the cells have none).
        public var startTemperature: Double?
        public var startSoC: Double?
        public var endSoC: Double?
        public var samples: Int

        enum CodingKeys: String, CodingKey {
            case id, ups, string, start, end, durationSeconds, ampHours, meanCurrent, minCurrent, maxCurrent, startTemperature, startSoC, endSoC, samples
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(ups, forKey: .ups)
            try c.encode(string, forKey: .string)
            try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end)
            try c.encode(durationSeconds, forKey: .durationSeconds)
            try c.encode(ampHours, forKey: .ampHours)
            try c.encode(meanCurrent, forKey: .meanCurrent)
            try c.encode(minCurrent, forKey: .minCurrent)
            try c.encode(maxCurrent, forKey: .maxCurrent)
            try c.encode(startTemperature, forKey: .startTemperature)
            try c.encode(startSoC, forKey: .startSoC)
            try c.encode(endSoC, forKey: .endSoC)
            try c.encode(samples, forKey: .samples)
        }
    }

    /// The IEEE 450 result, or why there is none and the estimate that stands in for it.
    public struct Capacity: Sendable, Encodable {
        public enum Method: String, Sendable, Encodable { case timeAdjusted, ampHourEstimate, none }
        public var method: Method
        public var percent: Double?
        /// t_a: time to the string's end voltage (cells × end voltage per cell), s.
        public var timeToEndSeconds: Double?
        /// t_s: the rated time at the event's mean current, s.
        public var ratedSeconds: Double?
        /// K_T at the start temperature.
        public var temperatureFactor: Double?
        public var endVoltage: Double
        /// In words: how the number was found, or why it could not be.
        public var basis: String
        /// Below the replacement threshold.
        public var replace: Bool?
        public var constantCurrent: Bool?
    }

    public struct Cell: Sendable, Encodable {
        public var cell: Int
        /// Seconds from the start to the first sample at or below the end voltage.
        public var endVoltageAfterSeconds: Double?
        public var minVoltage: Double?
        public var floatVoltage: Double?
        public var dropFromFloat: Double?
        /// 1 = weakest by each criterion.
        public var rankFirstToEnd: Int?
        public var rankLowestVoltage: Int?
        public var rankLargestDrop: Int?
    }

    /// The cell voltages over the event, in buckets: lowest, mean and highest cell, and the string.
    public struct SpreadPoint: Sendable, Encodable {
        public var secondsFromStart: Double
        public var minCell: Double
        public var meanCell: Double
        public var maxCell: Double
        public var spread: Double
        public var stringVoltage: Double?
        public var current: Double?
    }

    /// The previous discharge of the same string, in brief.
    public struct Previous: Sendable, Encodable {
        public var id: Int64
        public var startAt: Timestamp
        public var start: String { startAt.iso }
        public var durationSeconds: Double
        public var ampHours: Double
        public var meanCurrent: Double?
        public var capacityPercent: Double?
        public var capacityMethod: Capacity.Method
        public var minCellVoltage: Double?
        public var weakestCell: Int?

        enum CodingKeys: String, CodingKey {
            case id, start, durationSeconds, ampHours, meanCurrent, capacityPercent, capacityMethod, minCellVoltage, weakestCell
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(start, forKey: .start)
            try c.encode(durationSeconds, forKey: .durationSeconds)
            try c.encode(ampHours, forKey: .ampHours)
            try c.encode(meanCurrent, forKey: .meanCurrent)
            try c.encode(capacityPercent, forKey: .capacityPercent)
            try c.encode(capacityMethod, forKey: .capacityMethod)
            try c.encode(minCellVoltage, forKey: .minCellVoltage)
            try c.encode(weakestCell, forKey: .weakestCell)
        }
    }

    public var event: Event
    public var rating: Rating
    public var capacity: Capacity
    /// Cells that reached the end voltage, earliest first.
    public var cellsAtEndVoltage: [Int]
    /// All cells, weakest first (first to the end voltage, then lowest voltage under load).
    public var cells: [Cell]
    public var spread: [SpreadPoint]
    public var previous: Previous?

    /// The battery data the report used (and which values were the defaults).
    public struct Rating: Sendable, Encodable {
        public var capacityAh: Double
        public var ratedHours: Double
        public var endCellVoltage: Double
        public var peukertExponent: Double
        public var capacityReplacePercent: Double
        public var defaulted: [String]

        init(_ r: BatteryRating) {
            (capacityAh, ratedHours, endCellVoltage, peukertExponent) = (r.capacityAh, r.ratedHours, r.endCellVoltage, r.peukertExponent)
            capacityReplacePercent = r.capacityReplacePercent
            defaulted = r.defaulted
        }
    }

    public var weakest: [Cell] { Array(cells.prefix(10)) }
}
