public import ServiceSupport

/// Why the SNMP agent could not start.
public enum SNMPFailure: ErrorDomain {}
public typealias SNMPError = CodedError<SNMPFailure>

extension CodedError.Code where Domain == SNMPFailure {
    /// The agent's configuration gave no community or user: nobody could ask it anything.
    public static let noAccessControl = Self("noAccessControl")
    /// net-snmp could not open the agent's port or AgentX socket.
    public static let startFailed = Self("startFailed")
}
