import BatteryModel
@testable import Storage
import Testing

@Suite struct PackedColumnsTests {
    let columns: [[Int32]] = [
        [13611, 13600, Measurement.missing, 13700, 0, -5],
        [Int32.max, Int32.min + 1, 0, 1, -1, 18036],
        [Measurement.missing, Measurement.missing, Measurement.missing, Measurement.missing, Measurement.missing, Measurement.missing],
    ]

    @Test func roundTripsEveryValue() {
        let blob = PackedColumns.encode(columns)
        let decoded = blob.withUnsafeBytes { PackedColumns.decode($0) }
        #expect(decoded == columns)
    }

    @Test func readsOneValueWithoutDecodingAll() {
        let blob = PackedColumns.encode(columns)
        for (c, column) in columns.enumerated() {
            for (i, v) in column.enumerated() {
                #expect(blob.withUnsafeBytes { PackedColumns.value($0, column: c, index: i) } == v)
            }
        }
        #expect(blob.withUnsafeBytes { PackedColumns.value($0, column: 3, index: 0) } == nil)
        #expect(blob.withUnsafeBytes { PackedColumns.value($0, column: 0, index: 6) } == nil)
    }

    @Test func similarNeighboursPackSmall() {
        // 120 cells of a floating string: voltage within a few tens of mV of each other.
        let volts = (0..<120).map { Int32(13600 + ($0 * 37) % 60) }
        let blob = PackedColumns.encode([volts])
        #expect(blob.count < 2 * 120, "under two bytes per cell, got \(blob.count)")
    }

    @Test func corruptBlobsAreRejectedNotCrashing() {
        let blob = PackedColumns.encode(columns)
        for cut in 0..<blob.count {
            let short = Array(blob[0..<cut])
            #expect(short.withUnsafeBytes { PackedColumns.decode($0) } == nil)
            _ = short.withUnsafeBytes { PackedColumns.value($0, column: 1, index: 5) }
        }
        var wrongVersion = blob
        wrongVersion[0] = 99
        #expect(wrongVersion.withUnsafeBytes { PackedColumns.decode($0) } == nil)
        let noise: [UInt8] = [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(noise.withUnsafeBytes { PackedColumns.decode($0) } == nil)
        // A section length near 2^64, and deltas near ±2^62: rejected or clamped, never a trap.
        let hugeLength: [UInt8] = [1, 1, 1] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] + [2]
        #expect(hugeLength.withUnsafeBytes { PackedColumns.decode($0) } == nil)
        #expect(hugeLength.withUnsafeBytes { PackedColumns.value($0, column: 0, index: 0) } == nil)
        let bigDelta: [UInt8] = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        let blobWithDeltas: [UInt8] = [1, 3, 1, UInt8(bigDelta.count * 3)] + bigDelta + bigDelta + bigDelta
        let decoded = blobWithDeltas.withUnsafeBytes { PackedColumns.decode($0) }
        #expect(decoded?.first?.count == 3)
    }
}
