public import ConfigSupport
import BatteryModel

extension RegisterMap {
    /// Loads and validates a register map file; every problem names the file, key and line.
    public static func load(file: String) throws(ConfigError) -> RegisterMap {
        let reader = ConfigReader(file: file)
        let map = reader.root().flatMap { load(from: $0) }
        try reader.check()
        // check() throws when load returned nil, since that always records a problem.
        guard let map else { throw ConfigError(problems: [ConfigProblem(file: file, path: "", message: "not a register map")]) }
        return map
    }

    /// Reads a map from a parsed YAML root; problems go to the node's reader.
    public static func load(from root: ConfigNode) -> RegisterMap? {
        root.rejectUnknownKeys(allowed: ["name", "maxBlock", "maxGap", "maxCells", "identity", "string", "cells", "writable"])
        guard root.keys != nil else {
            root.problem("a register map must be a mapping with name, identity, string and cells")
            return nil
        }
        var map = RegisterMap(
            name: root["name"].string(required: true) ?? "",
            maxBlock: root["maxBlock"].int(in: 1...125, default: 125) ?? 125,
            maxGap: root["maxGap"].int(in: 0...124, default: 0) ?? 0,
            maxCells: root["maxCells"].int(in: 1...1000, default: 120) ?? 120
        )

        let identity = root["identity"]
        identity.rejectUnknownKeys(allowed: ["modelId", "firmware", "cellCount"])
        map.modelId = field(identity["modelId"], extraKeys: ["expect"])
        if identity["modelId"]["expect"].exists, let f = map.modelId {
            map.expectedModelId = identity["modelId"]["expect"].int(in: Int(f.type.range.lowerBound)...Int(f.type.range.upperBound)).map(Int64.init)
        }
        map.firmware = field(identity["firmware"])
        map.cellCount = field(identity["cellCount"])

        let string = root["string"]
        string.rejectUnknownKeys(allowed: Set(StringQuantity.allCases.map(\.rawValue) + ["status"]))
        for q in StringQuantity.allCases {
            map.string[q] = field(string[q.rawValue])
        }
        map.stringStatus = field(string["status"], flags: StringStatus.names.map { ($0.0, $0.1.rawValue) })

        let cells = root["cells"]
        cells.rejectUnknownKeys(allowed: Set(CellQuantity.allCases.map(\.rawValue) + ["status"]))
        cells.require()
        for q in CellQuantity.allCases {
            map.cells[q] = field(cells[q.rawValue], isCell: true)
        }
        if cells.exists && map.cells[.voltage] == nil && !cells["voltage"].exists {
            cells["voltage"].problem("is required: a battery monitor needs cell voltages")
        }
        map.cellStatus = field(cells["status"], isCell: true, flags: CellStatus.names.map { ($0.0, $0.1.rawValue) })

        map.writable = writable(root["writable"])
        checkLayout(map, root: root)
        return map
    }

    /// `writable: { name: { address: 100, min: 1, max: 120 } }`: holding registers, each in its value range.
    private static func writable(_ node: ConfigNode) -> [WritableRegister] {
        guard node.exists else { return [] }
        guard let names = node.keys else {
            node.problem("must map setting names to { address, min, max }")
            return []
        }
        var out: [WritableRegister] = []
        for name in names {
            let r = node[name]
            r.rejectUnknownKeys(allowed: ["address", "min", "max"])
            guard let address = r["address"].int(in: 0...65535, required: true),
                  let min = r["min"].int(in: 0...65535, default: 0), let max = r["max"].int(in: 0...65535, default: 65535) else { continue }
            guard min <= max else {
                r["max"].problem("must not be below min (\(min))")
                continue
            }
            if let other = out.first(where: { $0.address == address }) {
                r["address"].problem("register \(address) is already the setting \(other.name)")
                continue
            }
            out.append(WritableRegister(name: name, address: address, values: min...max))
        }
        return out.sorted { $0.address < $1.address }
    }

    private static func field(_ node: ConfigNode, isCell: Bool = false, extraKeys: Set<String> = [],
                              flags: [(String, UInt16)]? = nil) -> RegisterField? {
        guard node.exists else { return nil }
        var allowed = Set(["address", "type", "table", "wordOrder", "scale", "na"]).union(extraKeys)
        if isCell { allowed.insert("stride") }
        if flags != nil { allowed.insert("bits") }
        node.rejectUnknownKeys(allowed: allowed)
        guard node.keys != nil else { return nil }

        let address = node["address"].int(in: 0...65535, required: true)
        let type = node["type"].choice(RegisterType.allCases.map(\.rawValue), default: "u16").flatMap(RegisterType.init) ?? .u16
        let table = node["table"].choice(RegisterTable.allCases.map(\.rawValue), default: "input").flatMap(RegisterTable.init) ?? .input
        let order = node["wordOrder"].choice(["highFirst", "lowFirst"], default: "highFirst").flatMap(WordOrder.init) ?? .highFirst
        let scale = node["scale"].double(in: -1e9...1e9, default: 1) ?? 1
        if scale == 0 { node["scale"].problem("must not be 0") }
        if order == .lowFirst && type.width == 1 { node["wordOrder"].problem("only applies to 32-bit types (u32, s32)") }

        var na: Set<Int64>?
        let naNode = node["na"]
        if naNode.exists {
            let range = Int(type.range.lowerBound)...Int(type.range.upperBound)
            let items = naNode.isList ? naNode.elements : [naNode]
            na = Set(items.compactMap { $0.int(in: range).map(Int64.init) })
        }
        let stride = isCell ? node["stride"].int(in: 1...1000, default: type.width) : nil

        var bits: [(flag: UInt16, bit: Int)] = []
        if let flags {
            let bitsNode = node["bits"]
            bitsNode.rejectUnknownKeys(allowed: Set(flags.map(\.0)))
            for (name, flag) in flags {
                if let bit = bitsNode[name].int(in: 0...(type.width * 16 - 1)) { bits.append((flag, bit)) }
            }
        }
        guard let address else { return nil }
        return RegisterField(table: table, address: address, type: type, wordOrder: order, scale: scale,
                             notAvailable: na, stride: stride, bits: bits)
    }

    /// Fields must stay inside the address space and must not overlap (an overlap is nearly always a typo).
    private static func checkLayout(_ map: RegisterMap, root: ConfigNode) {
        var owner: [Int: String] = [:]
        for (name, f, cell) in map.fields(cellCount: map.maxCells) {
            let start = f.address(ofCell: cell ?? 0)
            let end = start + f.type.width - 1
            if end > 65535 {
                if cell == nil || cell == map.maxCells - 1 {
                    root.problem("\(name) of cell \((cell ?? 0) + 1) would be at register \(end), beyond 65535")
                }
                continue
            }
            for a in start...end {
                let key = ReadPlan.key(f.table, a)
                let here = cell.map { "\(name) of cell \($0 + 1)" } ?? name
                if let other = owner[key] {
                    root.problem("\(here) overlaps \(other) at \(f.table) register \(a)")
                    return
                }
                owner[key] = here
            }
        }
    }
}
