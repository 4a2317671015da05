import CModbus

/// Owns one libmodbus register mapping (`modbus_mapping_t`) for a simulated unit.
///
/// Not Sendable: it lives inside its unit's mutex and is only touched with the lock held.
final class RegisterImage {
    let mapping: UnsafeMutablePointer<modbus_mapping_t>
    let inputCount: Int
    let holdingCount: Int

    init?(inputCount: Int, holdingCount: Int) {
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

    func input(_ address: Int) -> UInt16 {
        mapping.pointee.tab_input_registers[address]
    }

    func setInput(_ address: Int, _ value: UInt16) {
        guard address < inputCount else { return }
        mapping.pointee.tab_input_registers[address] = value
    }

    func holding(_ address: Int) -> UInt16 {
        mapping.pointee.tab_registers[address]
    }

    func setHolding(_ address: Int, _ value: UInt16) {
        guard address < holdingCount else { return }
        mapping.pointee.tab_registers[address] = value
    }
}
