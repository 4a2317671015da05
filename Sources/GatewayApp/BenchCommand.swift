import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure acquisition, storage and query performance at full size; print figures.")

    func run() async throws {
        try await Bench.runAll()
    }
}
