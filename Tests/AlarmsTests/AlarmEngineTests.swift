import Alarms
import BatteryModel
import Foundation
import Testing

/// A 4-cell string sample at `t` seconds.
func sample(_ t: Double, string: Int = 0, cellVolts: [Int32] = [13600, 13600, 13600, 13600], current: Int32 = 150,
            temperature: Int32 = 230, cellTemps: [Int32] = [240, 240, 240, 240], resistance: [Int32] = [4000, 4000, 4000, 4000],
            status: StringStatus = [], cellStatus: [CellStatus] = [[], [], [], []]) -> StringSample {
    var c = CellColumns(count: 4)
    c.voltage = cellVolts
    c.resistance = resistance
    c.temperature = cellTemps
    c.soc = [1000, 1000, 1000, 1000]
    c.soh = [950, 950, 950, 950]
    c.status = cellStatus
    var v = StringValues()
    v.voltage = cellVolts.reduce(0, +)
    v.current = current
    v.soc = 1000
    v.temperature = temperature
    v.humidity = 450
    v.status = status
    return StringSample(stringIndex: string, time: Date(timeIntervalSince1970: t), values: v, cells: c)
}

func engine(_ adjust: (inout [AlarmType: AlarmLimit]) -> Void = { _ in }) -> AlarmEngine {
    var limits = AlarmLimit.defaults
    for k in limits.keys { limits[k]?.onDelay = .zero; limits[k]?.offDelay = .zero }
    adjust(&limits)
    return AlarmEngine(cellCounts: [4, 4], limits: [limits, limits])
}

@Suite struct AlarmEngineTests {
    /// Samples 1 s apart on the poll grid, stamped ±30 ms (when their reads end): a 1 s on-delay
    /// raises with the second sample, not a poll later; a single sample never stands for the delay.
    @Test func delaysAllowForTheSamplesJitter() {
        let high: [Int32] = [13600, 13600, 14500, 13600], normal: [Int32] = [13600, 13600, 13600, 13600]
        func run(jitter: Duration, onDelay: Duration) -> (raised: Double?, cleared: Double?) {
            var e = engine { $0[.cellVoltageHigh]?.onDelay = onDelay; $0[.cellVoltageHigh]?.offDelay = .seconds(1) }
            e.sampleJitter = jitter
            var raised: Double?, cleared: Double?
            for (t, volts) in [(0.0, normal), (1.02, high), (1.99, high), (3.03, high), (4.0, normal), (4.98, normal), (6.01, normal)] {
                for transition in e.evaluate(sample(t, cellVolts: volts)) {
                    if case .raise = transition { raised = raised ?? t } else { cleared = cleared ?? t }
                }
            }
            return (raised, cleared)
        }
        #expect(run(jitter: .zero, onDelay: .seconds(1)) == (3.03, 6.01), "without the allowance: a poll late each way")
        #expect(run(jitter: .milliseconds(100), onDelay: .seconds(1)) == (1.99, 4.98))
        #expect(run(jitter: .milliseconds(100), onDelay: .milliseconds(50)).raised == 1.99, "one sample is not a delay")
    }

    @Test func cellVoltageHighRaisesAndClearsWithHysteresis() {
        var e = engine()
        #expect(e.evaluate(sample(0)).isEmpty)
        let key = AlarmKey(string: 0, type: .cellVoltageHigh, cell: 2)
        #expect(e.evaluate(sample(1, cellVolts: [13600, 13600, 14500, 13600])) == [.raise(key, at: 1000, value: 14500, limit: 14400)])
        // Back below the limit but inside the 50 mV hysteresis: stays active.
        #expect(e.evaluate(sample(2, cellVolts: [13600, 13600, 14380, 13600])).isEmpty)
        #expect(e.isActive(key))
        #expect(e.evaluate(sample(3, cellVolts: [13600, 13600, 14340, 13600])) == [.clear(key, at: 3000)])
    }

    /// The wall clock stepped back an hour while a low cell waited out its on-delay: the delay
    /// starts again at the step, so the alarm comes 10 s later, not an hour later.
    @Test func aBackwardClockStepRestartsTheDelayInsteadOfSuppressingTheAlarm() {
        var e = engine { $0[.cellVoltageLow]?.onDelay = .seconds(10) }
        let key = AlarmKey(string: 0, type: .cellVoltageLow, cell: 0)
        let low: [Int32] = [11400, 13600, 13600, 13600]
        for t in 0..<5 { #expect(e.evaluate(sample(Double(t), cellVolts: low)).isEmpty) }
        let step = -3600.0
        for t in 5..<15 { #expect(e.evaluate(sample(Double(t) + step, cellVolts: low)).isEmpty, "t=\(t): 10 s not yet over since the step") }
        #expect(e.evaluate(sample(15 + step, cellVolts: low)) == [.raise(key, at: Timestamp(millis: Int64((15 + step) * 1000)), value: 11400, limit: 11500)])
    }

    @Test func delaysSuppressFlapping() {
        var e = engine { $0[.cellVoltageLow]?.onDelay = .seconds(10); $0[.cellVoltageLow]?.offDelay = .seconds(5) }
        let key = AlarmKey(string: 0, type: .cellVoltageLow, cell: 0)
        // Hovering around the limit, never 10 s in a row below it.
        for t in 0..<64 {
            let v: Int32 = t % 8 < 6 ? 11400 : 11800
            #expect(e.evaluate(sample(Double(t), cellVolts: [v, 13600, 13600, 13600])).isEmpty, "t=\(t)")
        }
        for t in 64..<74 {
            #expect(e.evaluate(sample(Double(t), cellVolts: [11400, 13600, 13600, 13600])).isEmpty, "t=\(t)")
        }
        #expect(e.evaluate(sample(74, cellVolts: [11400, 13600, 13600, 13600])) == [.raise(key, at: 74000, value: 11400, limit: 11500)])
        // Recovery that does not last the off-delay does not clear.
        _ = e.evaluate(sample(75, cellVolts: [11800, 13600, 13600, 13600]))
        _ = e.evaluate(sample(78, cellVolts: [11400, 13600, 13600, 13600]))
        #expect(e.isActive(key))
        _ = e.evaluate(sample(80, cellVolts: [11800, 13600, 13600, 13600]))
        #expect(e.evaluate(sample(85, cellVolts: [11800, 13600, 13600, 13600])) == [.clear(key, at: 80000)], "dated when first seen clear")
    }

    @Test func everyStringAlarmType() {
        var e = engine()
        let raised = e.evaluate(sample(1, cellVolts: [15000, 15000, 15000, 15000], current: 30000, temperature: 310,
                                       status: .hallSensorFault)).compactMap { tr -> AlarmType? in
            if case let .raise(k, _, _, _) = tr, k.cell == nil { return k.type }
            return nil
        }
        #expect(Set(raised) == [.stringChargeCurrentHigh, .stringVoltageHigh, .hallSensor, .stringTemperatureHigh])
        let low = e.evaluate(sample(2, cellVolts: [11000, 11000, 11000, 11000], current: -160_000)).compactMap { tr -> AlarmType? in
            if case let .raise(k, _, _, _) = tr, k.cell == nil { return k.type }
            return nil
        }
        #expect(Set(low) == [.stringDischargeCurrentHigh, .stringVoltageLow])
    }

    @Test func stringVoltageLimitsScaleWithCellCount() {
        var e = engine()
        let t = e.evaluate(sample(1, cellVolts: [14200, 14200, 14200, 14200]))
        #expect(t.contains(.raise(AlarmKey(string: 0, type: .stringVoltageHigh), at: 1000, value: 56800, limit: 4 * 14100)))
    }

    @Test func thermalRunawayComparesWithStringTemperature() {
        var e = engine()
        let key = AlarmKey(string: 0, type: .cellThermalRunaway, cell: 3)
        #expect(e.evaluate(sample(1, temperature: 250, cellTemps: [250, 250, 250, 340])) == [.raise(key, at: 1000, value: 90, limit: 80)])
        // The room warms up as much: the difference is small again.
        #expect(e.evaluate(sample(2, temperature: 300, cellTemps: [300, 300, 300, 340])) == [.clear(key, at: 2000)])
    }

    @Test func ohmicRiseNeedsABaseline() {
        var e = engine()
        let high: [Int32] = [4000, 4000, 5000, 4000]
        #expect(e.evaluate(sample(1, resistance: high)).isEmpty, "no baseline yet: no ohmic-rise alarm")
        e.setBaseline([4000, 4000, 4000, 4000], string: 0)
        let key = AlarmKey(string: 0, type: .cellOhmicRise, cell: 2)
        #expect(e.evaluate(sample(2, resistance: high)) == [.raise(key, at: 2000, value: 250, limit: 200)])
    }

    @Test func replaceSoonIsOffByDefaultAndComparesDaysWithItsHorizon() {
        var off = engine()
        off.setReplacementDays([400, 30, 0, Measurement.missing], string: 0)
        #expect(off.evaluate(sample(1)).isEmpty, "off by default")
        var e = engine { $0[.cellReplaceSoon]?.enabled = true }
        #expect(e.evaluate(sample(1)).isEmpty, "no estimate yet: no alarm")
        // Cell 2 in 30 days, cell 3 due, cell 4 without a date: the 90-day horizon takes 2 and 3.
        e.setReplacementDays([400, 30, 0, Measurement.missing], string: 0)
        let raised = e.evaluate(sample(2))
        #expect(raised == [.raise(AlarmKey(string: 0, type: .cellReplaceSoon, cell: 1), at: 2000, value: 30, limit: 90),
                           .raise(AlarmKey(string: 0, type: .cellReplaceSoon, cell: 2), at: 2000, value: 0, limit: 90)])
        // A new estimate puts cell 2 at 120 days: beyond the horizon and its 7-day hysteresis, it clears.
        e.setReplacementDays([400, 120, 0, Measurement.missing], string: 0)
        #expect(e.evaluate(sample(3)) == [.clear(AlarmKey(string: 0, type: .cellReplaceSoon, cell: 1), at: 3000)])
    }

    @Test func sensorFaultCellsAreNotJudged() {
        var e = engine()
        let t = e.evaluate(sample(1, cellVolts: [0, 13600, 13600, 13600], cellStatus: [.sensorNotAnswering, [], [], []]))
        #expect(!t.contains { if case let .raise(k, _, _, _) = $0 { return k.cell == 0 } else { return false } })
    }

    @Test func commLostFromLinkAndClearedBySample() {
        var e = engine()
        let key = AlarmKey(string: 1, type: .commLost)
        #expect(e.evaluateLink(string: 1, quality: .stale, at: 500).isEmpty)
        #expect(e.evaluateLink(string: 1, quality: .commLost, at: 1000) == [.raise(key, at: 1000, value: nil, limit: 0)])
        #expect(e.evaluate(sample(2, string: 1)) == [.clear(key, at: 2000)])
    }

    @Test func restoredAlarmsAreNotRaisedTwice() {
        var e = engine()
        let key = AlarmKey(string: 0, type: .cellVoltageHigh, cell: 1)
        e.restoreActive(key)
        #expect(e.evaluate(sample(1, cellVolts: [13600, 14600, 13600, 13600])).isEmpty)
        #expect(e.evaluate(sample(2)) == [.clear(key, at: 2000)])
    }

    @Test func disablingClearsAndSilences() {
        var e = engine()
        let key = AlarmKey(string: 0, type: .cellVoltageHigh, cell: 0)
        _ = e.evaluate(sample(1, cellVolts: [14600, 13600, 13600, 13600]))
        var limits = AlarmLimit.defaults
        limits[.cellVoltageHigh]?.enabled = false
        e.setLimits(limits, string: 0)
        #expect(e.evaluate(sample(2, cellVolts: [14600, 13600, 13600, 13600])).contains(.clear(key, at: 2000)))
        #expect(e.evaluate(sample(3, cellVolts: [14600, 13600, 13600, 13600])).isEmpty)
    }
}

@Suite struct FactoryLimitTests {
    /// Small VRLA blocks of 15–17 mΩ (ordinary for 40 Ah): the factory limits leave them alone for a
    /// long time, although the same cells pass the absolute limit once a user sets it for smaller blocks.
    @Test func absoluteResistanceIsOffUntilSet() {
        var e = AlarmEngine(cellCounts: [4], limits: [AlarmLimit.defaults])
        let ordinary: [Int32] = [15_200, 16_100, 16_900, 15_800]
        for t in 0..<600 { #expect(e.evaluate(sample(Double(t), resistance: ordinary)).isEmpty) }
        var set = AlarmLimit.defaults
        set[.cellResistanceHigh]?.enabled = true
        set[.cellResistanceHigh]?.limit = 16_000
        set[.cellResistanceHigh]?.onDelay = .zero
        var userSet = AlarmEngine(cellCounts: [4], limits: [set])
        let raised = userSet.evaluate(sample(0, resistance: ordinary)).compactMap { t -> Int? in
            if case let .raise(k, _, _, _) = t, k.type == .cellResistanceHigh { return k.cell }
            return nil
        }
        #expect(raised.sorted() == [1, 2])
    }
}

@Suite struct AlarmDelayTests {
    @Test func defaultDelaysRaiseAfterTheDelay() {
        var e = AlarmEngine(cellCounts: [4], limits: [AlarmLimit.defaults])
        let key = AlarmKey(string: 0, type: .cellVoltageHigh, cell: 0)
        var raisedAt: Timestamp?
        for t in 0..<40 {
            for tr in e.evaluate(sample(Double(t), cellVolts: [14600, 13600, 13600, 13600])) {
                if case let .raise(k, at, _, _) = tr, k == key { raisedAt = at }
            }
        }
        #expect(raisedAt == 30_000, "30 s on-delay of cellVoltageHigh")
    }
}
