public import BatteryModel

/// A controller model's register layout, loaded from a file under `config/registermaps/`.
///
/// Another controller model is another file, not new code.
public struct RegisterMap: Sendable, Equatable {
    public var name: String
    /// Largest block read (Modbus allows 125 registers).
    public var maxBlock: Int
    /// Unused registers a block read may span to merge two neighbours (0: only adjacent ones).
    public var maxGap: Int
    /// Most cells a controller of this model has.
    public var maxCells: Int

    public var modelId: RegisterField?
    /// Value `modelId` must hold; anything else is treated as a wrong or garbled device.
    public var expectedModelId: Int64?
    public var firmware: RegisterField?
    public var cellCount: RegisterField?

    public var string: [StringQuantity: RegisterField]
    public var stringStatus: RegisterField?
    public var cells: [CellQuantity: RegisterField]
    public var cellStatus: RegisterField?
    /// Holding registers the controller documents as settings: what an `Operator` may write
    /// through remote access (docs/remote-access.md); anything else needs an `Engineer`.
    public var writable: [WritableRegister] = []

    public init(name: String, maxBlock: Int = 125, maxGap: Int = 0, maxCells: Int = 120,
                modelId: RegisterField? = nil, expectedModelId: Int64? = nil,
                firmware: RegisterField? = nil, cellCount: RegisterField? = nil,
                string: [StringQuantity: RegisterField] = [:], stringStatus: RegisterField? = nil,
                cells: [CellQuantity: RegisterField] = [:], cellStatus: RegisterField? = nil) {
        self.name = name
        self.maxBlock = maxBlock
        self.maxGap = maxGap
        self.maxCells = maxCells
        self.modelId = modelId
        self.expectedModelId = expectedModelId
        self.firmware = firmware
        self.cellCount = cellCount
        self.string = string
        self.stringStatus = stringStatus
        self.cells = cells
        self.cellStatus = cellStatus
    }

    /// Every field read per string, with a readable name, for `cellCount` cells.
    /// Cell fields appear once per cell.
    public func fields(cellCount n: Int) -> [(name: String, field: RegisterField, cell: Int?)] {
        var out: [(String, RegisterField, Int?)] = []
        if let modelId { out.append(("identity.modelId", modelId, nil)) }
        if let firmware { out.append(("identity.firmware", firmware, nil)) }
        if let cellCount { out.append(("identity.cellCount", cellCount, nil)) }
        for q in StringQuantity.allCases { if let f = string[q] { out.append(("string.\(q.rawValue)", f, nil)) } }
        if let stringStatus { out.append(("string.status", stringStatus, nil)) }
        for q in CellQuantity.allCases { if let f = cells[q] { for i in 0..<n { out.append(("cells.\(q.rawValue)", f, i)) } } }
        if let cellStatus { for i in 0..<n { out.append(("cells.status", cellStatus, i)) } }
        return out
    }
}

/// A documented setting of the controller: one holding register and the values it accepts.
public struct WritableRegister: Sendable, Equatable {
    public var name: String
    public var address: Int
    public var values: ClosedRange<Int>

    public init(name: String, address: Int, values: ClosedRange<Int>) {
        self.name = name
        self.address = address
        self.values = values
    }
}
