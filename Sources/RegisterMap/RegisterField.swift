/// Which Modbus table a register lives in.
public enum RegisterTable: String, Sendable, Hashable, CaseIterable {
    /// Input registers, function 0x04.
    case input
    /// Holding registers, function 0x03.
    case holding
}

/// How a value is laid out in registers.
public enum RegisterType: String, Sendable, CaseIterable {
    case u16, s16, u32, s32

    /// Registers per value.
    public var width: Int { self == .u16 || self == .s16 ? 1 : 2 }
    public var isSigned: Bool { self == .s16 || self == .s32 }

    /// The controller's default "not measured" value (BMC-MODBUS: 0xFFFF, 0x7FFF when signed).
    public var defaultNotAvailable: Int64 {
        switch self {
        case .u16: 0xFFFF
        case .s16: 0x7FFF
        case .u32: 0xFFFF_FFFF
        case .s32: 0x7FFF_FFFF
        }
    }

    public var range: ClosedRange<Int64> {
        switch self {
        case .u16: 0...0xFFFF
        case .s16: -0x8000...0x7FFF
        case .u32: 0...0xFFFF_FFFF
        case .s32: -0x8000_0000...0x7FFF_FFFF
        }
    }
}

/// Order of the two registers of a 32-bit value.
public enum WordOrder: String, Sendable {
    case highFirst, lowFirst
}

/// One value in a register map: where it is and how to turn it into the
/// gateway's canonical unit.
public struct RegisterField: Sendable, Equatable {
    public var table: RegisterTable
    public var address: Int
    public var type: RegisterType
    public var wordOrder: WordOrder
    /// Canonical value = raw × scale (e.g. a controller reporting 10 mV steps has scale 10 for a voltage in mV).
    public var scale: Double
    /// Raw values meaning "not measured".
    public var notAvailable: Set<Int64>
    /// For cell fields: registers between cell i and cell i+1.
    public var stride: Int
    /// For status fields: canonical flag bit → bit position in the raw value.
    public var bits: [(flag: UInt16, bit: Int)]

    public init(table: RegisterTable = .input, address: Int, type: RegisterType, wordOrder: WordOrder = .highFirst,
                scale: Double = 1, notAvailable: Set<Int64>? = nil, stride: Int? = nil,
                bits: [(flag: UInt16, bit: Int)] = []) {
        self.table = table
        self.address = address
        self.type = type
        self.wordOrder = wordOrder
        self.scale = scale
        self.notAvailable = notAvailable ?? [type.defaultNotAvailable]
        self.stride = stride ?? type.width
        self.bits = bits
    }

    /// Address of this field for cell `index` (0-based).
    public func address(ofCell index: Int) -> Int { address + index * stride }

    public static func == (a: RegisterField, b: RegisterField) -> Bool {
        a.table == b.table && a.address == b.address && a.type == b.type && a.wordOrder == b.wordOrder
            && a.scale == b.scale && a.notAvailable == b.notAvailable && a.stride == b.stride
            && a.bits.map(\.flag) == b.bits.map(\.flag) && a.bits.map(\.bit) == b.bits.map(\.bit)
    }
}
