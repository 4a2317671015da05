import Foundation
import GatewayConfig
import Logging
import ServiceSupport

/// The alternative to a thread per link, for measurement only (issue 18 item 2, docs/performance.md):
/// with `BMGW_MEASURE_POLL_THREADS=K`, K threads share the links (link n on thread n mod K), each
/// sweeping its links one after the other every poll interval. Not the product: libmodbus blocks, so
/// a controller that times out holds up every other link of its thread.
extension Acquisition {
    static func measuredPoolSize() -> Int? {
        guard let text = ProcessInfo.processInfo.environment["BMGW_MEASURE_POLL_THREADS"], let k = Int(text), k > 0 else { return nil }
        return k
    }

    func startPool(_ k: Int) {
        logger.warning("acquisition on a pool of poll threads (BMGW_MEASURE_POLL_THREADS, measurement only)", metadata: ["threads": "\(k)"])
        for w in 0..<min(k, links.count) {
            let mine = links.indices.filter { $0 % k == w }
            threads.spawn(name: "poll-pool-\(w)") { [self] in
                let sessions = mine.map {
                    LinkSession(link: links[$0], settings: settings, model: model, logger: logger, mailbox: mailboxes[$0], observer: observer)
                }
                let clock = ContinuousClock()
                var due = clock.now
                while !threads.isStopping {
                    for session in sessions where !threads.isStopping {
                        session.sweep { threads.isStopping }
                        session.serveRemote()
                    }
                    due += settings.pollInterval
                    if due < clock.now { due = clock.now }
                    _ = threads.sleep(due - clock.now)
                }
            }
        }
    }
}
