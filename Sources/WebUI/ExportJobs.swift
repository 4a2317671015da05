import Alarms
import BatteryModel
import Foundation
import Logging
import Storage
import Synchronization

/// Data export jobs: the history of a period written to a CSV file in `<data>/exports` in the
/// background, a slice of one string at a time (the database is not held for long), with progress.
/// A file is written as `.partial` and renamed when complete, so a listed file is always whole.
final class ExportJobs: Sendable {
    enum Content: String, CaseIterable, Sendable {
        case strings, cells

        var title: String { self == .strings ? "string values (voltage, current, SoC, temperature, humidity)" : "cell values (every cell)" }
    }

    struct Job: Sendable {
        let name: String
        let started: Date
        var progress: Double
        var failed: String?
    }

    struct File: Sendable {
        let name: String
        let bytes: Int
        let modified: Date
    }

    let directory: String
    let store: DatabaseQueue<GatewayDatabase>
    let logger: Logger
    private let running = Mutex<[String: Job]>([:])
    static let maxFiles = 20

    init(directory: String, store: DatabaseQueue<GatewayDatabase>, logger: Logger) {
        self.directory = directory
        self.store = store
        self.logger = logger
    }

    var jobs: [Job] { running.withLock { Array($0.values) }.sorted { $0.started < $1.started } }

    /// Finished export files, newest first.
    func files() -> [File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { Self.isExportName($0) }.compactMap { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")
            guard let size = attributes?[.size] as? Int, let date = attributes?[.modificationDate] as? Date else { return nil }
            return File(name: name, bytes: size, modified: date)
        }.sorted { $0.modified > $1.modified }
    }

    static func isExportName(_ name: String) -> Bool {
        name.hasPrefix("export-") && name.hasSuffix(".csv") && name.count < 80
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } && !name.contains("..")
    }

    func path(_ name: String) -> String? {
        guard Self.isExportName(name), FileManager.default.fileExists(atPath: "\(directory)/\(name)") else { return nil }
        return "\(directory)/\(name)"
    }

    func delete(_ name: String) -> Bool {
        guard let path = path(name) else { return false }
        return (try? FileManager.default.removeItem(atPath: path)) != nil
    }

    /// Starts an export of `from ..< to` (ms); returns the file name, or why not.
    func start(content: Content, stringIds: [String]?, from: Int64, to: Int64, time: SiteTime) -> Result<String, ExportRefusal> {
        guard files().count + jobs.count < Self.maxFiles else { return .failure(.init("there are \(Self.maxFiles) exports already: delete some first")) }
        if let free = Self.freeBytes((directory as NSString).deletingLastPathComponent), free < Self.reserve {
            return .failure(.init("only \(free / 1_048_576) MiB are free on the disk: delete exports or old data first"))
        }
        // 2026-11-25T14:30:00Z → 20261125-143000
        let iso: String = Date().formatted(.iso8601)
        let digits = String(iso.filter { $0 != "-" && $0 != ":" && $0 != "Z" })
        let stamp = digits.replacingOccurrences(of: "T", with: "-")
        var name = "export-\(stamp)-\(content.rawValue).csv"
        var n = 2
        while running.withLock({ $0[name] != nil }) || FileManager.default.fileExists(atPath: "\(directory)/\(name)") {
            name = "export-\(stamp)-\(content.rawValue)-\(n).csv"
            n += 1
        }
        let chosen = name
        running.withLock { $0[chosen] = Job(name: chosen, started: Date(), progress: 0) }
        Thread.detachNewThread { [self] in run(name: chosen, content: content, stringIds: stringIds, from: from, to: to, time: time) }
        return .success(chosen)
    }

    /// On a thread of its own (file writes and database waits never occupy the server's threads);
    /// the database is read a short slice at a time (an hour of string values, five minutes of cells,
    /// at most a few MB even at the 1 s discharge interval), so the recorder never waits long.
    private func run(name: String, content: Content, stringIds: [String]?, from: Int64, to: Int64, time: SiteTime) {
        let partial = "\(directory)/\(name).partial"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: partial, contents: nil), let out = FileHandle(forWritingAtPath: partial) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: partial])
            }
            defer { try? out.close() }
            let header = content == .strings ? "time,ups,string,voltage_V,current_A,soc_pct,temperature_C,humidity_pct\n"
                : "time,ups,string,cell,voltage_V,resistance_mOhm,temperature_C,soc_pct,soh_pct\n"
            try out.write(contentsOf: Data(header.utf8))
            let strings = try store.sync { try $0.strings() }.filter { stringIds?.contains($0.id) ?? true }
            let slice: Int64 = content == .strings ? 3_600_000 : 300_000
            let slices = max(1, (to - from + slice - 1) / slice)
            let total = Double(Int64(strings.count) * slices)
            var done = 0.0
            for s in strings {
                var start = from
                while start < to {
                    let end = min(to, start + slice)
                    let text = try store.sync { store in
                        var text = ""
                        try store.forEachSample(stringKey: s.key, from: start, to: end) { sample in
                            text += content == .strings ? Self.stringRow(sample, s.ups, s.id, time) : Self.cellRows(sample, s.ups, s.id, time)
                        }
                        return text
                    }
                    if !text.isEmpty {
                        try out.write(contentsOf: Data(text.utf8))
                        // An export of every cell over a long period can be larger than the disk: stop in time.
                        if let free = Self.freeBytes(directory), free < Self.reserve {
                            throw ExportRefusal("stopped: only \(free / 1_048_576) MiB left on the disk (the history needs it); choose a shorter period or fewer strings")
                        }
                    }
                    done += 1
                    let progress = done / max(1, total)
                    running.withLock { $0[name]?.progress = progress }
                    start = end
                }
            }
            try out.synchronize()
            guard rename(partial, "\(directory)/\(name)") == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: name]) }
            running.withLock { _ = $0.removeValue(forKey: name) }
            logger.notice("data export finished", metadata: ["file": "\(name)"])
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            running.withLock { $0[name]?.failed = "\(error)" }
            logger.error("data export failed", metadata: ["file": "\(name)", "error": "\(error)"])
        }
    }

    /// Space kept free for the history database.
    static let reserve: Int64 = 1 << 30

    static func freeBytes(_ path: String) -> Int64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }

    /// Forgets a failed job (its message has been shown).
    func dismiss(_ name: String) {
        running.withLock { jobs in if jobs[name]?.failed != nil { jobs.removeValue(forKey: name) } }
    }

    static func number(_ raw: Int32, _ scale: Double, _ digits: Int) -> String {
        guard let v = Measurement.display(raw, scale: scale) else { return "" }
        return DecimalText.format(v, digits: digits)
    }

    /// Times in ISO 8601 with the site's offset, like every CSV.
    static func stringRow(_ s: StoredSample, _ ups: String, _ id: String, _ time: SiteTime) -> String {
        let v = s.values
        return "\(time.iso(Timestamp(millis: s.time))),\(ups),\(id),\(number(v.voltage, 0.001, 3)),\(number(v.current, 0.001, 3)),\(number(v.soc, 0.1, 1)),"
            + "\(number(v.temperature, 0.1, 1)),\(number(v.humidity, 0.1, 1))\n"
    }

    static func cellRows(_ s: StoredSample, _ ups: String, _ id: String, _ time: SiteTime) -> String {
        let c = s.cells, t = time.iso(Timestamp(millis: s.time))
        var out = ""
        for i in 0..<c.count {
            out += "\(t),\(ups),\(id),\(i + 1),\(number(c.voltage[i], 0.001, 3)),\(number(c.resistance[i], 0.001, 3)),"
                + "\(number(c.temperature[i], 0.1, 1)),\(number(c.soc[i], 0.1, 1)),\(number(c.soh[i], 0.1, 1))\n"
        }
        return out
    }
}

struct ExportRefusal: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
