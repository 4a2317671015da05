public import ArgumentParser
import GatewayServices

/// The `bmgw` command line.
public struct BMGW: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bmgw",
        abstract: "BTMS Gateway: battery string monitoring over Modbus, with history, simulator and status.",
        version: Gateway.version,
        subcommands: [RunCommand.self, SimulateCommand.self, CheckConfigCommand.self, StatusCommand.self,
                      HistoryCommand.self, AlarmsCommand.self, EventsCommand.self, ReportCommand.self, NotificationsCommand.self, LimitsCommand.self, BaselineCommand.self,
                      TestEmailCommand.self, TestSMSCommand.self, PasswordCommand.self, RemoteAccessCommand.self, BackupCommand.self, RestoreCommand.self,
                      BenchCommand.self]
    )

    public init() {}

    /// Entry point for the executable, so it needs no ArgumentParser import of its own.
    public static func start() async {
        await main()
    }
}
