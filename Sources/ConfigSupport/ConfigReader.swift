import Foundation
internal import Yams

/// Reads one YAML file and collects every problem found in it, with the
/// file name, key path and line of each.
///
/// Loading code asks typed questions of ``ConfigNode``s ("an integer in
/// 1…247") and carries on after a problem, so one run reports all of them.
public final class ConfigReader {
    public let file: String
    public private(set) var problems: [ConfigProblem] = []

    public init(file: String) {
        self.file = file
    }

    /// Parses `text`; a syntax error is recorded as a problem and nil returned.
    public func root(parsing text: String) -> ConfigNode? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(path: "", mark: nil, "the file is empty")
                return nil
            }
            return ConfigNode(node: node, path: "", reader: self)
        } catch let error as YamlError {
            report(yamlError: error)
            return nil
        } catch {
            report(path: "", mark: nil, "cannot parse: \(error)")
            return nil
        }
    }

    /// Reads and parses the file at ``file``.
    public func root() -> ConfigNode? {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            report(path: "", mark: nil, "cannot read the file: \(error.localizedDescription)")
            return nil
        }
        return root(parsing: text)
    }

    public func report(_ node: ConfigNode, _ message: String) {
        report(path: node.path, mark: node.mark, message)
    }

    /// Throws all collected problems, if any.
    public func check() throws(ConfigError) {
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }

    func report(path: String, mark: Mark?, _ message: String) {
        problems.append(ConfigProblem(file: file, line: mark?.line, column: mark?.column, path: path, message: message))
    }

    private func report(yamlError: YamlError) {
        switch yamlError {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            report(path: "", mark: mark, "YAML syntax error: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            report(path: "", mark: context.mark, "duplicate key(s) \(duplicates.sorted().joined(separator: ", "))")
        default:
            report(path: "", mark: nil, "YAML error: \(yamlError)")
        }
    }
}
