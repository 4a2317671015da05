import CModbus

/// Owns one libmodbus register mapping (`modbus_mapping_t`): the input and holding registers a
/// Modbus server (the simulator's units) answers from, starting at address 0.
///
/// Not Sendable: its owner keeps it behind a lock and touches it only with the lock held.
public final class ModbusRegisterImage {
    let mapping: UnsafeMutablePointer<modbus_mapping_t>
    public let inputCount: Int
    public let holdingCount: Int

    public init?(inputCount: Int, holdingCount: Int) {
        guard let m = modbus_mapping_new_start_address(0, 0, 0, 0, 0, UInt32(holdingCount), 0, UInt32(inputCount)) else {
            return nil
        }
        mapping = m
        self.inputCount = inputCount
        self.holdingCount = holdingCount
    }

    deinit {
        modbus_mapping_free(mapping)
    }

    public func input(_ address: Int) -> UInt16 { register(input: true, address)?.pointee ?? 0 }
    public func setInput(_ address: Int, _ value: UInt16) { register(input: true, address)?.pointee = value }
    public func holding(_ address: Int) -> UInt16 { register(input: false, address)?.pointee ?? 0 }
    public func setHolding(_ address: Int, _ value: UInt16) { register(input: false, address)?.pointee = value }

    /// The register at `address` of the input or holding table; nil outside it.
    private func register(input: Bool, _ address: Int) -> UnsafeMutablePointer<UInt16>? {
        let (table, count) = input ? (mapping.pointee.tab_input_registers, inputCount) : (mapping.pointee.tab_registers, holdingCount)
        guard address >= 0, address < count else { return nil }
        return table.map { $0 + address }
    }
}
