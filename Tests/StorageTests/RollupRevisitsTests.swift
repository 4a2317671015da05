import BatteryModel
import Foundation
@testable import Storage
import TestSupport
import Testing

/// The wall clock stepped back an hour: samples land in an hour already rolled up, whose rollup is
/// then computed again so that it matches the raw rows.
@Suite struct RollupRevisitsTests {
    @Test func anHourWrittenIntoAfterAStepBackIsRolledUpAgain() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let store = try GatewayDatabase(path: path)
        let key = try store.register(twoStrings)[0]
        let hour: Int64 = 3_600_000
        let revisits = RollupRevisits()
        func write(_ seconds: Range<Int64>, from start: Int64) throws {
            for s in seconds {
                try store.insert([(key, makeSample(0, ms: start + s * 1000, base: 13600))])
                revisits.wrote(string: key, millis: start + s * 1000)
            }
        }
        // 60 s at the end of hour 10, then the clock a step ahead: 60 s in hour 11; hour 10 rolled up.
        try write(0..<60, from: 11 * hour - 120_000)
        try write(0..<60, from: 12 * hour - 60_000)
        while try store.rollUpNext(stringKey: key, before: 12 * hour) {}
        let hour10 = SampleKey.make(string: key, millis: 10 * hour)
        #expect(try store.db.scalar("SELECT samples FROM rollups WHERE key = ?", hour10) == 60)
        #expect(revisits.take().isEmpty, "nothing written out of order yet")
        // The clock stepped back: 30 more samples in hour 10, after the 60 already there.
        try write(0..<30, from: 11 * hour - 60_000)
        let stale = revisits.take()
        #expect(stale == [hour10])
        // The hour has a rollup: computed again at once; over (before the limit): settled.
        #expect(try store.rollUpAgain(hour10, before: 12 * hour) == true)
        #expect(try store.db.scalar("SELECT samples FROM rollups WHERE key = ?", hour10) == 90)
        // An hour still running without a rollup waits.
        let hour12 = SampleKey.make(string: key, millis: 12 * hour)
        #expect(try store.rollUpAgain(hour12, before: 12 * hour + 600_000) == false)
        #expect(try store.db.scalar("SELECT count(*) FROM rollups WHERE key = ?", hour12) == 0)
    }
}
