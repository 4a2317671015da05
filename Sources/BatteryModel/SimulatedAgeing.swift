/// How the simulator's cells age (docs/simulator.md): a healthy rate, a few weak cells that age
/// faster, the age the plant starts at, and an acceleration for demonstrations. A cell's internal
/// resistance grows by `rate` of its new value per year and its SoH falls by 0.8 × `rate` per
/// year (80 % SoH after 0.25 / rate years); its capacity follows its SoH.
public struct SimulatedAgeing: Sendable, Equatable {
    /// Relative resistance growth per year of a healthy cell.
    public var rate: Double
    /// Cells that age at their own rate: (unit id, 1-based cell, rate).
    public var weakCells: [WeakCell]
    /// Years of service when the simulator starts.
    public var initialAge: Double
    /// Ageing years per simulated year (1: real time).
    public var acceleration: Double

    public struct WeakCell: Sendable, Equatable {
        public var unit: Int
        public var cell: Int
        public var rate: Double

        public init(unit: Int, cell: Int, rate: Double) {
            (self.unit, self.cell, self.rate) = (unit, cell, rate)
        }
    }

    public init(rate: Double = 0.06, weakCells: [WeakCell] = [], initialAge: Double = 0, acceleration: Double = 1) {
        (self.rate, self.weakCells, self.initialAge, self.acceleration) = (rate, weakCells, initialAge, acceleration)
    }

    /// The rate of cell `cell` (1-based) of `unit`.
    public func rate(unit: Int, cell: Int) -> Double {
        weakCells.first { $0.unit == unit && $0.cell == cell }?.rate ?? rate
    }

    /// Years of service at which a cell of `rate` reaches `soh` (0…1).
    public func yearsToStateOfHealth(_ soh: Double, rate: Double) -> Double { (1 - soh) / (0.8 * rate) }
}
