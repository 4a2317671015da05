import Logging
import Synchronization

/// Logs to standard error with swift-log's stream handler, once per process.
enum LogSetup {
    private static let done = Atomic<Bool>(false)

    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level) ?? .info
        if !done.exchange(true, ordering: .relaxed) {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = parsed
                return handler
            }
        }
        var logger = Logger(label: "bmgw")
        logger.logLevel = parsed
        return logger
    }
}
