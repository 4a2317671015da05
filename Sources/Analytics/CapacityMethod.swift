public import BatteryModel
import Foundation

/// IEEE 450's time-adjusted method: capacity % = t_a / (t_s · K_T) × 100, where t_a is the time
/// the string took to reach its end voltage, t_s the time the data sheet rates at the test's current
/// and K_T the temperature-correction factor at the cells' temperature when the test started.
public enum CapacityMethod {
    /// The rated time at `amps`, hours: the rated time at the rated current, scaled by Peukert's
    /// law (t ∝ I^-k) when the discharge ran at another current (a mains failure is no test bench).
    public static func ratedTime(_ r: BatteryRating, amps: Double) -> Double {
        guard amps > 0 else { return r.ratedHours }
        return r.ratedHours * pow(r.ratedCurrent / amps, r.peukertExponent)
    }

    /// Capacity in % by the time-adjusted method.
    public static func timeAdjusted(actualHours ta: Double, ratedHours ts: Double, factor kt: Double) -> Double {
        ta / (ts * kt) * 100
    }

    /// How far the current may stray from its mean for a constant-current test (IEEE 450 asks for
    /// a constant rate; a UPS load is steady but not bench-constant).
    public static let constantCurrentTolerance = 0.10
}
