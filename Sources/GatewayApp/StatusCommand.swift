import ArgumentParser
import BatteryModel
import Foundation
import Storage

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live state of the running gateway (or, if it is not running, the last stored samples).")

    @OptionGroup var source: DataSourceOptions

    @Option(name: .shortAndLong, help: "Show the cells of this string (its id).")
    var string: String?

    @Flag(help: "Print the JSON document instead of tables.")
    var json = false

    func run() throws {
        let dir = try source.dataDirectory()
        let document: StatusDocument
        if let data = try? StatusSocket.fetch(path: Gateway.socketPath(dataDirectory: dir)) {
            if json {
                FileOutput.standardOutput.write(String(decoding: data, as: UTF8.self) + "\n")
                return
            }
            document = try JSONDecoder().decode(StatusDocument.self, from: data)
        } else {
            document = try StatusDocument(store: try source.openStore())
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileOutput.standardOutput.write(String(decoding: try encoder.encode(document), as: UTF8.self) + "\n")
            return
        }
        if let string {
            guard let entry = document.strings.first(where: { $0.id == string }) else {
                printError("no string '\(string)'; known: \(document.strings.map(\.id).joined(separator: ", "))")
                throw ExitCode(1)
            }
            FileOutput.standardOutput.write(StatusText.cells(entry) + "\n")
        } else {
            FileOutput.standardOutput.write(StatusText.overview(document) + "\n")
        }
    }
}

extension StatusDocument {
    /// The newest stored sample of every string, for when the gateway is not running.
    init(store: HistoryStore) throws {
        let strings = try store.strings()
        self.init(gatewayId: "", site: "", version: Gateway.version, source: "database",
                  generatedAt: Int64(Date().timeIntervalSince1970 * 1000),
                  dataCentre: Group(id: "", name: "", strings: strings.count, stringsCommOK: 0, stringsCommLost: 0,
                                    stringsDischarging: 0, cells: strings.reduce(0) { $0 + $1.cellCount }),
                  ups: [], strings: [])
        for s in strings {
            var entry = StringEntry(id: s.id, name: s.name, ups: s.ups, quality: .unknown, status: [], cellCount: s.cellCount)
            if let stored = try store.latest(stringKey: s.key) {
                entry.fill(stored.values, stored.cells, time: stored.time)
            }
            self.strings.append(entry)
        }
    }
}
