import ArgumentParser
import BatteryModel
import Foundation
import GatewayConfig
import Storage
import StatusServer
import GatewayServices

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
            document = try StatusDocument(store: try source.openStore(), config: try source.configuration())
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileOutput.standardOutput.write(String(decoding: try encoder.encode(document), as: UTF8.self) + "\n")
            return
        }
        if let string {
            guard let entry = document.strings.first(where: { $0.summary.id == string }) else {
                printError("no string '\(string)'; known: \(document.strings.map(\.summary.id).joined(separator: ", "))")
                throw ExitCode(1)
            }
            FileOutput.standardOutput.write(StatusText.cells(entry) + "\n")
        } else {
            FileOutput.standardOutput.write(StatusText.overview(document) + "\n")
        }
    }
}

extension StatusDocument {
    /// The newest stored sample of every string, for when the gateway is not running: the plant as
    /// configured (`config`, so the gateway, site and UPS names are there), or as the database knows
    /// it without a configuration (`--data`). Links are `unknown`: nothing is polling.
    init(store: GatewayDatabase, config: GatewayConfig?) throws {
        let stored = try store.strings()
        let topology: Topology
        if let config {
            topology = config.topology
        } else {
            var upses: [Topology.UPS] = []
            for s in stored where !upses.contains(where: { $0.id == s.ups }) { upses.append(.init(id: s.ups, name: s.ups)) }
            topology = Topology(siteName: "", upses: upses, strings: stored.map { s in
                .init(id: s.id, name: s.name, upsIndex: upses.firstIndex { $0.id == s.ups } ?? 0, cellCount: s.cellCount)
            })
        }
        let model = LiveModel(topology: topology)
        for (i, info) in topology.strings.enumerated() {
            guard let key = stored.first(where: { $0.id == info.id })?.key, let sample = try store.latest(stringKey: key),
                  sample.cells.count == info.cellCount else { continue }
            model.apply(StringSample(stringIndex: i, time: Timestamp(millis: sample.time).date,
                                     values: sample.values, cells: sample.cells))
        }
        self.init(snapshot: model.snapshot(), gatewayId: config?.gatewayId ?? "", version: Gateway.version)
        source = "database"
        for i in strings.indices { strings[i].summary.quality = Quality.unknown.rawValue }
        // Nobody polls: no link is answering or lost.
        for i in ups.indices { (ups[i].stringsOK, ups[i].stringsCommLost) = (0, 0) }
        (dataCentre.stringsOK, dataCentre.stringsCommLost) = (0, 0)
    }
}
