public import Foundation
public import BatteryModel

/// What one sweep of a controller decoded to.
public struct DecodedSweep: Sendable {
    public var sample: StringSample
    public var modelId: Int64?
    public var firmware: Int64?
    public var reportedCellCount: Int64?
}

/// The data of a sweep does not fit the plan (wrong number of blocks or registers).
public struct DecodeError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension ReadPlan {
    /// Decodes the registers read for ``blocks`` (one array per block, in order) into a sample.
    public func decode(_ data: [[UInt16]], stringIndex: Int, time: Date) throws(DecodeError) -> DecodedSweep {
        guard data.count == blocks.count else {
            throw DecodeError(description: "expected \(blocks.count) blocks, got \(data.count)")
        }
        for (b, block) in blocks.enumerated() where data[b].count != block.count {
            throw DecodeError(description: "block \(block) returned \(data[b].count) registers")
        }
        func raw(_ field: RegisterField, cell: Int = 0) -> Int64 {
            let address = field.address(ofCell: cell)
            guard let loc = locations[Self.key(field.table, address)] else { return field.type.defaultNotAvailable }
            let words = data[loc.block]
            return field.type.width == 1
                ? field.raw(words[loc.offset])
                : field.raw(words[loc.offset], words[loc.offset + 1])
        }

        var values = StringValues()
        for (q, field) in map.string {
            values[q] = field.canonical(raw: raw(field))
        }
        if let f = map.stringStatus { values.status = StringStatus(rawValue: f.flags(raw: raw(f))) }

        var cells = CellColumns(count: cellCount)
        for (q, field) in map.cells {
            var column = [Int32](repeating: Measurement.missing, count: cellCount)
            for i in 0..<cellCount { column[i] = field.canonical(raw: raw(field, cell: i)) }
            cells[q] = column
        }
        if let f = map.cellStatus {
            for i in 0..<cellCount { cells.status[i] = CellStatus(rawValue: f.flags(raw: raw(f, cell: i))) }
        }

        return DecodedSweep(
            sample: StringSample(stringIndex: stringIndex, time: time, values: values, cells: cells),
            modelId: map.modelId.map { raw($0) },
            firmware: map.firmware.map { raw($0) },
            reportedCellCount: map.cellCount.flatMap { f in
                let r = raw(f)
                return f.notAvailable.contains(r) ? nil : r
            }
        )
    }
}
