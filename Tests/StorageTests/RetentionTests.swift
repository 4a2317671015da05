import BatteryModel
import Foundation
@testable import Storage
import TestSupport
import Testing

@Suite struct RetentionTests {
    @Test func deletesOnlyWhatIsOlderThanTheCutoff() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let keys = try store.register(twoStrings)
        let hour: Int64 = 3_600_000
        var rows: [(key: Int64, sample: StringSample)] = []
        for m in stride(from: Int64(0), to: 10 * hour, by: 60000) {
            rows.append((keys[0], makeSample(0, ms: m, base: 1)))
            rows.append((keys[1], makeSample(1, ms: m, base: 2)))
        }
        try store.insert(rows)
        while try store.rollUpNext(stringKey: keys[0], before: 10 * hour) {}
        let cutoff = 6 * hour + 30 * 60000

        var batches = 0
        while try store.deleteExpired(before: cutoff, span: hour) > 0 { batches += 1 }
        #expect(batches >= 6, "small batches, not one big delete")
        for key in keys {
            let left = try store.rawSeries(stringKey: key, .string(.voltage), from: 0, to: 20 * hour)
            #expect(left.first?.0 == cutoff, "nothing at or after the cutoff is deleted")
            #expect(left.count == Int((10 * hour - cutoff) / 60000))
        }
        // Rollups of hours that start before the cutoff go too; later ones stay.
        #expect(try store.db.scalar("SELECT COUNT(*) FROM rollups") == 3)
    }

    @Test func reportsUsedBytes() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let key = try store.register(twoStrings)[0]
        let before = try store.usedBytes()
        try store.insert((0..<500).map { (key, makeSample(0, ms: Int64($0) * 1000, base: 13600)) })
        #expect(try store.usedBytes() > before)
    }
}
