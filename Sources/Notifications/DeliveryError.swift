/// Why a message could not be delivered, in words for the delivery log.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
