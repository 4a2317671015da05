import Foundation
@testable import Storage
import TestSupport
import Testing
@testable import Uplink

@Suite struct OutboxTests {
    func draft(_ kind: Outbox.Kind, _ size: Int = 100, topic: String = "t") -> Outbox.Draft {
        Outbox.Draft(kind: kind, topic: topic) { seq in Array("\(seq):".utf8) + [UInt8](repeating: 0x20, count: size) }
    }

    @Test func sequenceNumbersNeverGoBack() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        var outbox = try Outbox(path: path, maxBytes: 1 << 20)
        let first = try outbox.append([draft(.meta), draft(.measurement), draft(.event)], now: 1)
        #expect(first.seqs == [1, 2, 3])
        let stored = try outbox.messages(priority: 1, after: 0, limit: 10)
        #expect(stored.map(\.seq) == [2] && stored.first?.payload.starts(with: Array("2:".utf8)) == true, "the payload knows its number")
        try outbox.remove([1, 2, 3])
        #expect(outbox.count == 0 && outbox.bytes == 0)
        // Empty, and reopened (a restart): numbering goes on.
        outbox = try Outbox(path: path, maxBytes: 1 << 20)
        #expect(try outbox.append([draft(.measurement)], now: 2).seqs == [4])
        #expect(outbox.count == 1 && outbox.bytes == 102)
    }

    /// The oldest message's age is what a backlog is watched by (metrics).
    @Test func theOldestMessageIsKnown() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        #expect(outbox.oldestCreated == nil)
        _ = try outbox.append([draft(.measurement)], now: 1000)
        _ = try outbox.append([draft(.event), draft(.meta)], now: 2000)
        #expect(outbox.oldestCreated == 1000)
        try outbox.remove([1])
        #expect(outbox.oldestCreated == 2000, "the event and meta of the second append remain")
        try outbox.remove([2, 3])
        #expect(outbox.oldestCreated == nil)
    }

    /// An empty retained message (how a retained topic is removed) is stored and sent empty, not refused as NULL.
    @Test func anEmptyPayloadIsKept() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        _ = try outbox.append([Outbox.Draft(kind: .meta, topic: "homeassistant/sensor/gw/x/config", retain: true) { _ in [] }], now: 1)
        let stored = try outbox.messages(priority: 0, after: 0, limit: 10)
        #expect(stored.count == 1 && stored.first?.payload == [] && stored.first?.retain == true)
    }

    @Test func aFullOutboxDropsTheOldestMeasurementsOnly() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1000)
        try outbox.append([draft(.meta), draft(.event)] + (0..<5).map { _ in draft(.measurement) }, now: 1)
        let r = try outbox.append([draft(.status), draft(.event), draft(.measurement)], now: 2)
        // 10 messages of ~103 bytes: 1000 allows 9; the oldest measurement (seq 3) goes.
        #expect(r.dropped == 1 && outbox.dropped == 1)
        #expect(try outbox.messages(priority: 1, after: 0, limit: 20).map(\.seq) == [4, 5, 6, 7, 8, 10])
        // Events alone over the limit stay.
        let events = try outbox.append((0..<20).map { _ in draft(.event) }, now: 3)
        #expect(try outbox.messages(priority: 1, after: 0, limit: 20).isEmpty, "every measurement dropped first")
        #expect(try outbox.messages(priority: 0, after: 0, limit: 50).count == 23, "no event or metadata dropped")
        #expect(events.dropped == 6 && outbox.dropped == 7 && outbox.bytes > 1000)
    }

    /// Acknowledgements arrive in order within a priority but interleaved between them, and a
    /// measurement may have been dropped while in flight: removed in runs, the totals stay exact.
    @Test func removalInRunsKeepsTheTotals() throws {
        #expect(Outbox.runs([7, 3, 4, 5, 9, 10, 4, 1]) == [1...1, 3...5, 7...7, 9...10])
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1100)
        _ = try outbox.append((0..<12).map { i in draft(i % 4 == 0 ? .event : .measurement, 100 + i) }, now: 1)
        let before = (outbox.count, outbox.bytes)
        // 1 293 bytes: the oldest measurements (2, 3) were dropped; 1…12 all acknowledged but 6 and 11.
        #expect(before.0 == 10)
        try outbox.remove([1, 2, 3, 4, 5, 7, 8, 9, 10, 12])
        #expect(try outbox.messages(priority: 1, after: 0, limit: 20).map(\.seq) == [6, 11])
        #expect(outbox.count == 2 && outbox.bytes == (2 + 105) + (3 + 110), "\(outbox.count) \(outbox.bytes)")
        let reopened = try Outbox(path: path, maxBytes: 1100)
        #expect(reopened.count == outbox.count && reopened.bytes == outbox.bytes, "what a recount finds")
    }

    @Test func priorityCursorsAndBoundaries() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        try outbox.append([draft(.measurement), draft(.event), draft(.measurement), draft(.measurement), draft(.event)], now: 1)
        #expect(try outbox.messages(priority: 0, after: 0, limit: 10).map(\.seq) == [2, 5])
        #expect(try outbox.messages(priority: 1, after: 1, through: 3, limit: 10).map(\.seq) == [3])
        #expect(try outbox.messages(priority: 1, after: 0, limit: 2).map(\.seq) == [1, 3])
        #expect(try outbox.lastSeq() == 5)
        try outbox.remove([2, 99])
        #expect(outbox.count == 4, "an unknown number is ignored")
    }
}

/// Acknowledgements recorded during a replay, rows deleted later (docs/performance.md).
@Suite struct OutboxAcknowledgementTests {
    func draft(_ kind: Outbox.Kind, _ size: Int = 100) -> Outbox.Draft {
        Outbox.Draft(kind: kind, topic: "t") { seq in Array("\(seq):".utf8) + [UInt8](repeating: 0x20, count: size) }
    }

    @Test func rangesMergeSplitAndLeaveGaps() {
        var r = AckedRanges()
        r.insert([5, 6, 7, 1, 2, 9])
        #expect(r.ranges == [1...2, 5...7, 9...9])
        r.insert([3, 4, 8])
        #expect(r.ranges == [1...9] && r.span == 9, "touching ranges merge")
        r.insert(20...30)
        #expect(r.gaps(after: 0, through: .max) == [10...19, 31...Int64.max])
        #expect(r.gaps(after: 4, through: 25) == [10...19])
        #expect(r.gaps(after: 25, through: 40) == [31...40])
        #expect(r.oldest(12) == [1...9, 20...22])
        r.subtract(1...9)
        r.subtract(24...25)
        #expect(r.ranges == [20...23, 26...30])
        #expect(AckedRanges().gaps(after: 3, through: 7) == [4...7])
    }

    /// Acknowledged messages are neither sent again nor counted as waiting, also after a restart,
    /// until a purge deletes their rows; the totals stay exact throughout.
    @Test func acknowledgedMessagesAreSkippedUntilPurged() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        var outbox = try Outbox(path: path, maxBytes: 1 << 20)
        _ = try outbox.append((0..<10).map { i in draft(i == 4 ? .event : .measurement) }, now: 1)
        let bytes = outbox.bytes
        try outbox.acknowledge([1, 2, 3, 7, 8])
        #expect(outbox.count == 10 && outbox.waiting == 5 && outbox.bytes == bytes, "recorded, not deleted")
        #expect(try outbox.messages(priority: 1, after: 0, limit: 10).map(\.seq) == [4, 6, 9, 10])
        #expect(try outbox.messages(priority: 1, after: 0, limit: 2).map(\.seq) == [4, 6], "the limit counts across gaps")
        #expect(try outbox.messages(priority: 0, after: 0, limit: 10).map(\.seq) == [5])
        // A restart (or a crash) remembers them.
        outbox = try Outbox(path: path, maxBytes: 1 << 20)
        #expect(outbox.waiting == 5 && outbox.acked.ranges == [1...3, 7...8])
        #expect(try outbox.messages(priority: 1, after: 0, limit: 10).map(\.seq) == [4, 6, 9, 10])
        #expect(try outbox.purge(limit: 2) == 3, "the two oldest deleted, three left")
        #expect(outbox.count == 8 && outbox.waiting == 5)
        #expect(try outbox.purge(limit: 100) == 0)
        #expect(outbox.count == 5 && outbox.waiting == 5 && outbox.acked.isEmpty)
        let reopened = try Outbox(path: path, maxBytes: 1 << 20)
        #expect(reopened.count == 5 && reopened.bytes == outbox.bytes && reopened.acked.isEmpty, "what a recount finds")
    }

    @Test func theOldestWaitingMessageSkipsAcknowledgedOnes() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1 << 20)
        _ = try outbox.append([draft(.measurement)], now: 1000)
        _ = try outbox.append([draft(.measurement)], now: 2000)
        try outbox.acknowledge([1])
        #expect(outbox.oldestCreated == 2000)
        try outbox.acknowledge([2])
        #expect(outbox.oldestCreated == nil && outbox.waiting == 0)
    }

    /// A full outbox deletes acknowledged rows before it drops a measurement nobody has received.
    @Test func aFullOutboxPurgesBeforeItDrops() throws {
        let path = tempDatabase()
        defer { removeDatabase(path) }
        let outbox = try Outbox(path: path, maxBytes: 1000)
        _ = try outbox.append((0..<9).map { _ in draft(.measurement) }, now: 1)
        try outbox.acknowledge([1, 2])
        let r = try outbox.append([draft(.measurement), draft(.measurement)], now: 2)
        #expect(r.dropped == 0 && outbox.dropped == 0, "room made by purging 1 and 2")
        #expect(outbox.count == 9 && outbox.waiting == 9 && outbox.acked.isEmpty)
        #expect(try outbox.messages(priority: 1, after: 0, limit: 20).map(\.seq) == Array(3...11))
    }
}
