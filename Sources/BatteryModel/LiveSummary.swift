/// The live state in display units (V, A, mΩ, °C, %), one shape wherever it leaves the gateway:
/// the web API (`/api/v1/live`, `/api/v1/strings/{id}`), the status socket and `bmgw status --json`
/// (docs/live-summary.md). Times are UTC ISO 8601 with milliseconds (``Timestamp/iso``).
public enum LiveSummary {
    /// The data centre or one UPS: its strings' state and its extreme cells.
    public struct Group: Codable, Sendable, Equatable {
        public var id: String, name: String
        public var strings: Int, stringsOK: Int, stringsCommLost: Int, stringsDischarging: Int, cells: Int
        public var cellVoltageMin: Double?, cellVoltageMinAt: String?
        public var cellVoltageMax: Double?, cellVoltageMaxAt: String?
        public var cellVoltageMean: Double?
        public var cellResistanceMax: Double?, cellResistanceMaxAt: String?
        public var cellTemperatureMax: Double?, cellTemperatureMaxAt: String?
    }

    /// One string: its link, its latest sample's string values and its cell voltage range.
    public struct StringLine: Codable, Sendable, Equatable {
        public var id: String, name: String, ups: String
        /// The link: ok, commLost or unknown (nothing polls).
        public var quality: String
        /// The sample shown.
        public var time: String?
        public var cells: Int
        public var voltage: Double?, current: Double?, soc: Double?, temperature: Double?, humidity: Double?
        public var cellVoltageMin: Double?, cellVoltageMax: Double?
        /// The string's status flags.
        public var status: [String]
        /// The link's last failure, and a warning that does not stop polling (e.g. a cell count mismatch).
        public var lastError: String?, warning: String?
        /// The last successful sweep of the controller, ms.
        public var sweepMillis: Double?
        /// The last write to the controller through remote access since the gateway started: when, who, what.
        public var remoteWrite: String?
    }

    public struct Cell: Codable, Sendable, Equatable {
        public var cell: Int
        public var voltage: Double?, resistance: Double?, temperature: Double?, soc: Double?, soh: Double?
        public var flags: [String]
    }

    /// A string with its cells (empty before the first sample).
    public struct StringDetail: Codable, Sendable, Equatable {
        public var summary: StringLine
        public var cells: [Cell]
    }

    public static func group(_ snap: ModelSnapshot, _ a: GroupAggregate, id: String, name: String) -> Group {
        func at(_ r: GroupAggregate.CellRef?) -> String? { r.map { "\(snap.topology.strings[$0.string].id) cell \($0.cell + 1)" } }
        func show(_ r: GroupAggregate.CellRef?, _ scale: Double) -> Double? { r.flatMap { Measurement.display($0.value, scale: scale) } }
        let v = a.cells[.voltage], r = a.cells[.resistance], t = a.cells[.temperature]
        return Group(id: id, name: name, strings: a.stringCount, stringsOK: a.stringsCommOK, stringsCommLost: a.stringsCommLost,
                     stringsDischarging: a.stringsDischarging, cells: a.cellCount,
                     cellVoltageMin: show(v?.min, 0.001), cellVoltageMinAt: at(v?.min),
                     cellVoltageMax: show(v?.max, 0.001), cellVoltageMaxAt: at(v?.max),
                     // To 0.1 mV: a mean is finer than one reading, not infinitely fine.
                     cellVoltageMean: v.map { ($0.mean * 10).rounded() / 10_000 },
                     cellResistanceMax: show(r?.max, 0.001), cellResistanceMaxAt: at(r?.max),
                     cellTemperatureMax: show(t?.max, 0.1), cellTemperatureMaxAt: at(t?.max))
    }

    /// The data centre: every string.
    public static func site(_ snap: ModelSnapshot, id: String) -> Group {
        group(snap, snap.dataCentre, id: id, name: snap.topology.siteName)
    }

    /// One line per UPS.
    public static func upses(_ snap: ModelSnapshot) -> [Group] {
        snap.topology.upses.indices.map { group(snap, snap.aggregate(ups: $0), id: snap.topology.upses[$0].id, name: snap.topology.upses[$0].name) }
    }

    public static func strings(_ snap: ModelSnapshot) -> [StringLine] {
        snap.topology.strings.indices.map { line(snap, $0) }
    }

    public static func line(_ snap: ModelSnapshot, _ i: Int) -> StringLine {
        let info = snap.topology.strings[i], state = snap.strings[i]
        let v = state.sample?.values, volts = state.sample?.summary.statistics[.voltage]
        func s(_ raw: Int32?, _ q: StringQuantity) -> Double? { raw.flatMap { Measurement.display($0, scale: q.displayScale) } }
        return StringLine(
            id: info.id, name: info.name, ups: snap.topology.upses[info.upsIndex].id, quality: state.quality.rawValue,
            time: state.sample.map { Timestamp($0.time).iso }, cells: info.cellCount,
            voltage: s(v?.voltage, .voltage), current: s(v?.current, .current), soc: s(v?.soc, .soc),
            temperature: s(v?.temperature, .temperature), humidity: s(v?.humidity, .humidity),
            cellVoltageMin: volts.flatMap { Measurement.display($0.min, scale: 0.001) },
            cellVoltageMax: volts.flatMap { Measurement.display($0.max, scale: 0.001) },
            status: v?.status.flagNames ?? [], lastError: state.link.lastError, warning: state.link.warning,
            sweepMillis: state.link.lastSweepDuration.map { d in
                ((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) * 1000).rounded() / 1000  // to 1 µs
            },
            remoteWrite: state.link.remoteWrite.map { "\(Timestamp($0.at).iso) \($0.user): \($0.detail)" })
    }

    public static func detail(_ snap: ModelSnapshot, _ i: Int) -> StringDetail {
        guard let c = snap.strings[i].sample?.cells else { return StringDetail(summary: line(snap, i), cells: []) }
        let cells = (0..<c.count).map { n in
            Cell(cell: n + 1, voltage: Measurement.display(c.voltage[n], scale: 0.001), resistance: Measurement.display(c.resistance[n], scale: 0.001),
                 temperature: Measurement.display(c.temperature[n], scale: 0.1), soc: Measurement.display(c.soc[n], scale: 0.1),
                 soh: Measurement.display(c.soh[n], scale: 0.1), flags: c.status[n].flagNames)
        }
        return StringDetail(summary: line(snap, i), cells: cells)
    }
}
