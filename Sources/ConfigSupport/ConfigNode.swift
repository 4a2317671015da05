internal import Yams

/// A position in a configuration tree: a YAML node (or its absence) and its key path.
///
/// Accessors return nil after recording a problem, so callers can fall back
/// to a default and keep going.
public struct ConfigNode {
    fileprivate let node: Node?
    public let path: String
    public let reader: ConfigReader
    /// Mark of the nearest present ancestor, for problems about missing keys.
    fileprivate var fallbackMark: Mark?

    init(node: Node?, path: String, reader: ConfigReader, fallbackMark: Mark? = nil) {
        self.node = node
        self.path = path
        self.reader = reader
        self.fallbackMark = fallbackMark
    }

    var mark: Mark? { node?.mark ?? fallbackMark }

    /// True when the key is present (and not null).
    public var exists: Bool {
        guard let node else { return false }
        if case let .scalar(s) = node, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
            return false
        }
        return true
    }

    public var line: Int? { mark?.line }

    public func problem(_ message: String) {
        reader.report(self, message)
    }

    // MARK: Structure

    public subscript(key: String) -> ConfigNode {
        let child = node?.mapping?[key]
        return ConfigNode(node: child, path: path.isEmpty ? key : "\(path).\(key)", reader: reader, fallbackMark: mark)
    }

    /// The keys of a mapping; records a problem if the node is not one.
    public var keys: [String]? {
        guard exists else { return nil }
        guard let mapping = node?.mapping else {
            problem("expected a mapping of keys to values")
            return nil
        }
        return mapping.keys.compactMap(\.string)
    }

    /// Reports keys other than `allowed` (usually typos), suggesting the closest allowed one.
    public func rejectUnknownKeys(allowed: Set<String>) {
        guard exists, let mapping = node?.mapping else { return }
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            var message = "unknown key '\(name)'"
            if let near = allowed.min(by: { editDistance($0, name) < editDistance($1, name) }),
               editDistance(near, name) <= max(2, name.count / 3) {
                message += " (did you mean '\(near)'?)"
            }
            let keyPath = path.isEmpty ? name : "\(path).\(name)"
            reader.report(path: keyPath, mark: key.mark, message)
        }
    }

    /// True when the node is a list.
    public var isList: Bool {
        if case .sequence = node { return true }
        return false
    }

    /// Elements of a sequence (`path[0]`, `path[1]`, …); a missing key is an empty list.
    public var elements: [ConfigNode] {
        guard exists, let node else { return [] }
        guard case let .sequence(seq) = node else {
            problem("expected a list")
            return []
        }
        return seq.enumerated().map { i, n in
            ConfigNode(node: n, path: "\(path)[\(i)]", reader: reader, fallbackMark: mark)
        }
    }

    /// Records "missing" when absent; returns whether the key is present.
    @discardableResult
    public func require() -> Bool {
        if !exists { problem("is required but missing") }
        return exists
    }

    // MARK: Scalars

    /// The scalar text, or nil (with a problem recorded if present but not a scalar).
    public var scalar: String? {
        guard exists, let node else { return nil }
        guard case let .scalar(s) = node else {
            problem("expected a single value, found a \(node.kindName)")
            return nil
        }
        return s.string
    }

    public func string(default value: String? = nil, required: Bool = false) -> String? {
        guard exists else {
            if required { require() }
            return value
        }
        return scalar
    }

    public func bool(default value: Bool) -> Bool {
        guard let text = scalar else { return value }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem("'\(text)' is not true or false")
            return value
        }
    }

    /// An integer (decimal or 0x hex) inside `range`.
    public func int(in range: ClosedRange<Int>, default value: Int? = nil, required: Bool = false) -> Int? {
        guard exists else {
            if required { require() }
            return value
        }
        guard let text = scalar else { return value }
        let parsed: Int? = text.lowercased().hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        guard let n = parsed else {
            problem("'\(text)' is not a whole number")
            return value
        }
        guard range.contains(n) else {
            problem("\(n) is not in \(range.lowerBound)…\(range.upperBound)")
            return value
        }
        return n
    }

    public func double(in range: ClosedRange<Double>, default value: Double? = nil, required: Bool = false) -> Double? {
        guard exists else {
            if required { require() }
            return value
        }
        guard let text = scalar else { return value }
        guard let n = Double(text), n.isFinite else {
            problem("'\(text)' is not a number")
            return value
        }
        guard range.contains(n) else {
            problem("\(text) is not in \(range.lowerBound.formatted)…\(range.upperBound.formatted)")
            return value
        }
        return n
    }

    /// One of `choices` (case-sensitive).
    public func choice(_ choices: [String], default value: String? = nil, required: Bool = false) -> String? {
        guard let text = string(default: nil, required: required) else { return value }
        guard choices.contains(text) else {
            problem("'\(text)' is not one of \(choices.joined(separator: ", "))")
            return value
        }
        return text
    }

    /// A duration such as `500ms`, `1s`, `2m`, `1h`, `365d` (a bare number is seconds), inside `range`.
    public func duration(in range: ClosedRange<Duration>, default value: Duration? = nil) -> Duration? {
        guard let text = scalar else { return value }
        guard let d = DurationText.parse(text) else {
            problem("'\(text)' is not a duration (examples: 500ms, 1s, 2m, 1h, 365d)")
            return value
        }
        guard range.contains(d) else {
            problem("\(text) is not in \(DurationText.format(range.lowerBound))…\(DurationText.format(range.upperBound))")
            return value
        }
        return d
    }
}

private extension Node {
    var kindName: String {
        switch self {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}

private extension Double {
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}

/// Levenshtein distance, for "did you mean" on unknown keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
