/// One Modbus read request: `count` registers of `table` from `start`.
public struct ReadBlock: Sendable, Equatable, CustomStringConvertible {
    public var table: RegisterTable
    public var start: Int
    public var count: Int

    public init(table: RegisterTable, start: Int, count: Int) {
        self.table = table
        self.start = start
        self.count = count
    }

    public var end: Int { start + count }
    public var description: String { "\(table)[\(start)..<\(end)]" }
}

/// The block reads that fetch every field of a map for a string of `cellCount` cells,
/// and where each field lands in them.
public struct ReadPlan: Sendable {
    /// Position of a register inside the blocks' data.
    struct Location: Sendable {
        var block: Int
        var offset: Int
    }

    public let map: RegisterMap
    public let cellCount: Int
    public let blocks: [ReadBlock]
    /// Location of each field's first register, keyed like the map (cell fields per cell).
    let locations: [Int: Location]

    public init(map: RegisterMap, cellCount: Int) {
        self.map = map
        self.cellCount = cellCount
        let spans = map.fields(cellCount: cellCount).map {
            (table: $0.field.table, start: $0.field.address(ofCell: $0.cell ?? 0), width: $0.field.type.width)
        }
        blocks = Self.merge(spans, maxBlock: map.maxBlock, maxGap: map.maxGap)
        var locations: [Int: Location] = [:]
        for span in spans {
            let b = blocks.firstIndex { $0.table == span.table && $0.start <= span.start && span.start + span.width <= $0.end }
            // merge() covers every span by construction.
            guard let b else { preconditionFailure("span not covered by any block") }
            locations[Self.key(span.table, span.start)] = Location(block: b, offset: span.start - blocks[b].start)
        }
        self.locations = locations
    }

    static func key(_ table: RegisterTable, _ address: Int) -> Int {
        (table == .input ? 0 : 1 << 20) | address
    }

    /// Sorted spans merged into blocks of at most `maxBlock` registers, bridging gaps of at most `maxGap`.
    /// A multi-register value is never split across blocks.
    static func merge(_ spans: [(table: RegisterTable, start: Int, width: Int)], maxBlock: Int, maxGap: Int) -> [ReadBlock] {
        let sorted = spans.sorted { ($0.table.rawValue, $0.start) < ($1.table.rawValue, $1.start) }
        var blocks: [ReadBlock] = []
        for span in sorted {
            let spanEnd = span.start + span.width
            if var last = blocks.last, last.table == span.table,
               span.start <= last.end + maxGap, max(last.end, spanEnd) - last.start <= maxBlock {
                last.count = max(last.end, spanEnd) - last.start
                blocks[blocks.count - 1] = last
            } else {
                blocks.append(ReadBlock(table: span.table, start: span.start, count: span.width))
            }
        }
        return blocks
    }
}
