public import ConfigSupport
import Foundation

/// Where a register map named in a configuration (`registerMap: bmc-v1`) is found, first hit wins:
/// 1. `registermaps/NAME.yaml` beside the configuration file (a site's own or edited maps),
/// 2. the installation's share folder: `../share/bmgw/registermaps/` from the executable, then
///    `/usr/share/bmgw/registermaps/`,
/// 3. the maps shipped with the gateway, compiled into the binary (so any configuration, anywhere,
///    finds them).
///
/// A reference with a `/` or ending in `.yaml`/`.yml` is a file path instead, relative to the configuration.
public enum MapSearch {
    /// The prefix of a compiled-in map's name where a file path would stand ("built-in:bmc-v1").
    public static let builtInPrefix = "built-in:"

    /// Shipped maps by name: their text, compiled in from `config/registermaps/`.
    static let builtIn: [String: [UInt8]] = ["bmc-v1": PackageResources.bmc_v1_yaml]

    /// The share folders searched after the configuration's own folder.
    public static var shareDirectories: [String] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("share/bmgw/registermaps").path
        return [beside, "/usr/share/bmgw/registermaps"]
    }

    public static var builtInNames: [String] { builtIn.keys.sorted() }

    /// Whether `reference` is a bare map name rather than a file path.
    public static func isName(_ reference: String) -> Bool {
        !reference.contains("/") && !reference.hasSuffix(".yaml") && !reference.hasSuffix(".yml")
    }

    /// The file (or `built-in:NAME`) a bare `name` stands for, searched from `configDirectory`; nil when
    /// no folder has it and it is not shipped.
    public static func locate(_ name: String, configDirectory: String) -> String? {
        let folders = [(configDirectory as NSString).appendingPathComponent("registermaps")] + shareDirectories
        for folder in folders {
            let file = ((folder as NSString).appendingPathComponent("\(name).yaml") as NSString).standardizingPath
            if FileManager.default.fileExists(atPath: file) { return file }
        }
        return builtIn[name] == nil ? nil : builtInPrefix + name
    }

    /// Where a bare name was looked for, for the message when it is found nowhere.
    public static func searched(_ name: String, configDirectory: String) -> String {
        let folders = [(configDirectory as NSString).appendingPathComponent("registermaps")] + shareDirectories
        return folders.map { ($0 as NSString).standardizingPath + "/\(name).yaml" }.joined(separator: ", ")
            + "; built-in maps: " + builtInNames.joined(separator: ", ")
    }
}

extension RegisterMap {
    /// Loads a map file, or a compiled-in map given as `built-in:NAME` (see ``MapSearch``).
    public static func load(located: String) throws(ConfigError) -> RegisterMap {
        guard located.hasPrefix(MapSearch.builtInPrefix) else { return try load(file: located) }
        let name = String(located.dropFirst(MapSearch.builtInPrefix.count))
        let reader = ConfigReader(file: located)
        guard let bytes = MapSearch.builtIn[name] else {
            throw ConfigError(problems: [ConfigProblem(file: located, path: "", message: "no such built-in map")])
        }
        let map = reader.root(parsing: String(decoding: bytes, as: UTF8.self)).flatMap { load(from: $0) }
        try reader.check()
        guard let map else { throw ConfigError(problems: [ConfigProblem(file: located, path: "", message: "not a register map")]) }
        return map
    }

    /// A map by name (searched as a configuration's map would be, from `directory`) or by file path
    /// (relative to `directory`): for the simulator's and the bench's `--map`.
    public static func load(reference: String, directory: String) throws(ConfigError) -> RegisterMap {
        if MapSearch.isName(reference) {
            guard let located = MapSearch.locate(reference, configDirectory: directory) else {
                throw ConfigError(problems: [ConfigProblem(file: reference, path: "",
                                                           message: "no register map '\(reference)' (looked for \(MapSearch.searched(reference, configDirectory: directory)))")])
            }
            return try load(located: located)
        }
        let path = reference.hasPrefix("/") ? reference : (directory as NSString).appendingPathComponent(reference)
        return try load(file: (path as NSString).standardizingPath)
    }
}
