import BatteryModel

extension RegisterField {
    /// The raw integer held by `words` (one or two registers) as this field's type.
    public func raw(_ first: UInt16, _ second: UInt16 = 0) -> Int64 {
        switch type {
        case .u16: return Int64(first)
        case .s16: return Int64(Int16(bitPattern: first))
        case .u32, .s32:
            let (hi, lo) = wordOrder == .highFirst ? (first, second) : (second, first)
            let bits = UInt32(hi) << 16 | UInt32(lo)
            return type == .u32 ? Int64(bits) : Int64(Int32(bitPattern: bits))
        }
    }

    /// Canonical value for a raw integer, or ``Measurement/missing`` for n/a.
    public func canonical(raw: Int64) -> Int32 {
        if notAvailable.contains(raw) { return Measurement.missing }
        let value = scale == 1 ? Double(raw) : (Double(raw) * scale).rounded()
        // Int32.min is the n/a marker, so the valid range starts one above it.
        return Int32(clamping: Int64(max(Double(Int32.min) + 1, min(Double(Int32.max), value))))
    }

    /// Canonical status flags for a raw status value.
    public func flags(raw: Int64) -> UInt16 {
        if notAvailable.contains(raw) { return 0 }
        var out: UInt16 = 0
        for (flag, bit) in bits where raw & (1 << Int64(bit)) != 0 { out |= flag }
        return out
    }

    /// Registers (one or two) holding a canonical value; n/a encodes as the first n/a value.
    public func encode(_ value: Int32) -> [UInt16] {
        let raw: Int64
        if value == Measurement.missing {
            raw = notAvailable.min() ?? type.defaultNotAvailable
        } else {
            let r = Int64((Double(value) / scale).rounded())
            raw = min(max(r, type.range.lowerBound), type.range.upperBound)
        }
        return words(raw)
    }

    /// Registers holding canonical status flags.
    public func encode(flags: UInt16) -> [UInt16] {
        var raw: Int64 = 0
        for (flag, bit) in bits where flags & flag != 0 { raw |= 1 << Int64(bit) }
        return words(raw)
    }

    private func words(_ raw: Int64) -> [UInt16] {
        switch type {
        case .u16, .s16:
            return [UInt16(truncatingIfNeeded: raw)]
        case .u32, .s32:
            let bits = UInt32(truncatingIfNeeded: raw)
            let hi = UInt16(bits >> 16), lo = UInt16(truncatingIfNeeded: bits)
            return wordOrder == .highFirst ? [hi, lo] : [lo, hi]
        }
    }
}
