/// The values of `device_commands.status`, exactly as the schema's CHECK spells them.
public enum CommandStatus: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pending
    case sent
    case acknowledged
    case completed
    case failed
    case timeout

    /// Completed, failed and timed-out commands never change again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .timeout: true
        case .pending, .sent, .acknowledged: false
        }
    }

    public var description: String { rawValue }
}
