/// Holding registers through which tests and engineers drive the simulator
/// (documented in docs/simulator.md). They are on top of the controller's own
/// holding register 100 (configured cell count).
public enum ControlRegisters {
    /// Discharge current in 0.1 A; writing 0 ends the discharge (the string recharges).
    public static let discharge = 200
    /// Simulated seconds per real second (1…3600).
    public static let speed = 201
    /// Communication fault: 0 none, 1 silent (requests time out), 2 answer reads
    /// with exception 6 (busy), 3 answer reads with garbage bytes. Writes are
    /// always served, so a fault can be cleared.
    public static let commFault = 202
    /// Writing any value releases every pinned register of this unit.
    public static let releaseAll = 203

    /// Writing V to `pinBase + A` pins input register A at V: the physics no
    /// longer changes it. 32-bit values take two registers (function 0x10).
    public static let pinBase = 10000
    /// Reading `pinnedBase + A` gives 1 when A is pinned; writing 0 releases it,
    /// writing 1 pins it at its present value.
    public static let pinnedBase = 20000
    /// Input registers 0 ..< `pinnableInputs` can be pinned.
    public static let pinnableInputs = 10000
    /// Size of the holding table each simulated unit serves.
    public static let holdingCount = pinnedBase + pinnableInputs

    public enum CommFault: UInt16, Sendable {
        case none = 0, silent = 1, busy = 2, garbage = 3
        /// Every other read is answered busy (exception 6): a device that needs a moment.
        case busyEveryOther = 4
    }
}
