/// Benchmarks (filled in below).
enum Bench {
    static func runAll() async throws {}
}
