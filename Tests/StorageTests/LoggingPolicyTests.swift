import BatteryModel
import Foundation
@testable import Storage
import Testing

@Suite struct LoggingPolicyTests {
    let settings = HistoryRecorder.Settings(slowInterval: .seconds(60), fastInterval: .seconds(1),
                                            dischargeCurrent: -2000, retention: .seconds(86400))

    @Test func slowWhileFloatingFastWhileDischarging() {
        var policy = LoggingPolicy(settings: settings, strings: 1)
        var logged: [Int] = []
        for t in 0..<300 {
            // Discharge from 100 s to 160 s; polls every second with 5 ms jitter.
            let current: Int32 = (100..<160).contains(t) ? -40000 : 150
            let sample = makeSample(0, ms: Int64(t) * 1000 + (t % 2 == 0 ? 5 : -5), base: 1, current: current)
            if policy.shouldLog(sample) { logged.append(t) }
        }
        #expect(logged.filter { $0 < 100 } == [0, 60])
        #expect(logged.filter { (100..<160).contains($0) } == Array(100..<160), "every second while discharging")
        #expect(logged.filter { $0 >= 160 } == [160, 220, 280], "the end of the discharge is logged at once")
    }

    /// The wall clock stepped back an hour (NTP, an operator): logging goes on at its interval from
    /// the first sample after the step, rather than pausing until the clock is back where it was.
    @Test func aBackwardClockStepDoesNotPauseHistory() {
        var policy = LoggingPolicy(settings: settings, strings: 1)
        var logged: [Int64] = []
        let times = Array(stride(from: Int64(0), to: 180, by: 1)) + Array(stride(from: Int64(180 - 3600), to: 180 - 3600 + 180, by: 1))
        for t in times where policy.shouldLog(makeSample(0, ms: t * 1000, base: 1, current: 150)) { logged.append(t) }
        #expect(logged == [0, 60, 120, -3420, -3360, -3300], "every 60 s, before and after the step")
    }
}
