internal import Yams

/// A YAML document of top-level sections seen as flat `key.path[0].name = text` pairs, the shape of
/// a web form. The paths are the ones ``ConfigNode`` uses in its problems, so a problem found by the
/// configuration loader names the form field it came from.
public struct SettingsDocument: Sendable {
    /// Every scalar of every top-level section, by path.
    public private(set) var values: [String: String] = [:]
    /// Top-level section names in document order.
    public private(set) var sections: [String] = []

    public init() {}

    /// Parses YAML text; nil when it is not a mapping of sections.
    public init?(yaml: String) {
        guard let root = try? Yams.compose(yaml: yaml) else {
            if yaml.allSatisfy({ $0.isWhitespace }) { return }
            return nil
        }
        guard let mapping = root.mapping else { return nil }
        for (key, node) in mapping {
            guard let name = key.string else { continue }
            sections.append(name)
            Self.flatten(node, path: name, into: &values)
        }
    }

    /// The pairs of one section, by path below it (`email.host`, `users[0].name`).
    public func section(_ name: String) -> [String: String] {
        var out: [String: String] = [:]
        for (path, value) in values where path.hasPrefix(name + ".") {
            out[String(path.dropFirst(name.count + 1))] = value
        }
        return out
    }

    /// Replaces a whole section by the given pairs (paths below the section; empty values are left out).
    public mutating func replace(section name: String, with pairs: [String: String]) {
        values = values.filter { !$0.key.hasPrefix(name + ".") }
        for (path, value) in pairs where !value.isEmpty { values["\(name).\(path)"] = value }
        if !sections.contains(name) { sections.append(name) }
    }

    /// The document as YAML text.
    public func yaml() throws -> String {
        var root: [(String, Node)] = []
        for name in sections {
            let pairs = section(name).map { (Self.components($0.key), $0.value) }
            guard !pairs.isEmpty else { continue }
            root.append((name, Self.build(pairs)))
        }
        let node = Node.mapping(.init(root.map { (Node($0.0), $0.1) }))
        return try Yams.serialize(node: node, sortKeys: false)
    }

    // MARK: Paths

    enum Component: Hashable { case key(String), index(Int) }

    /// `a.b[2].c` → key a, key b, index 2, key c.
    static func components(_ path: String) -> [Component] {
        var out: [Component] = []
        for part in path.split(separator: ".") {
            var rest = Substring(part)
            if let open = rest.firstIndex(of: "[") {
                if open > rest.startIndex { out.append(.key(String(rest[..<open]))) }
                rest = rest[open...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    out.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close]) ?? 0))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                out.append(.key(String(rest)))
            }
        }
        return out
    }

    private static func flatten(_ node: Node, path: String, into out: inout [String: String]) {
        switch node {
        case let .scalar(s):
            out[path] = s.string
        case let .mapping(m):
            for (k, v) in m { if let key = k.string { flatten(v, path: "\(path).\(key)", into: &out) } }
        case let .sequence(seq):
            for (i, v) in seq.enumerated() { flatten(v, path: "\(path)[\(i)]", into: &out) }
        case .alias:
            break
        }
    }

    /// A node from pairs of (components below it, value); list indexes are renumbered in order, so
    /// rows left empty in a form leave no holes.
    private static func build(_ pairs: [([Component], String)]) -> Node {
        if let only = pairs.first, only.0.isEmpty { return Node(only.1) }
        var order: [Component] = []
        var children: [Component: [([Component], String)]] = [:]
        for (comps, value) in pairs {
            guard let head = comps.first else { continue }
            if children[head] == nil { order.append(head) }
            children[head, default: []].append((Array(comps.dropFirst()), value))
        }
        if order.allSatisfy({ if case .index = $0 { true } else { false } }) {
            let sorted = order.sorted { a, b in
                if case let .index(x) = a, case let .index(y) = b { return x < y }
                return false
            }
            return .sequence(.init(sorted.compactMap { children[$0].map(build) }))
        }
        let keyed = order.sorted { a, b in
            if case let .key(x) = a, case let .key(y) = b { return x < y }
            return false
        }
        return .mapping(.init(keyed.compactMap { c -> (Node, Node)? in
            guard case let .key(k) = c, let sub = children[c] else { return nil }
            return (Node(k), build(sub))
        }))
    }
}
