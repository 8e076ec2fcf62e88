import WallTime

/// The columns of a `device_commands` row that the lifecycle changes.
///
/// The dispatcher persists a transition as "from this snapshot to that one", conditional on the
/// row still holding the old `status` and `retry_count`: whoever changed it first wins, and a
/// gateway that lost the race reloads the row instead of reporting a change twice.
public struct CommandSnapshot: Sendable, Equatable {
    public var status: CommandStatus
    public var retryCount: Int
    /// The latest send.
    public var sentAt: WallInstant?
    public var acknowledgedAt: WallInstant?
    /// When the command reached a terminal status (completed, failed or timeout).
    public var completedAt: WallInstant?
    public var errorMessage: String?

    public init(
        status: CommandStatus, retryCount: Int = 0, sentAt: WallInstant? = nil,
        acknowledgedAt: WallInstant? = nil, completedAt: WallInstant? = nil, errorMessage: String? = nil
    ) {
        self.status = status
        self.retryCount = retryCount
        self.sentAt = sentAt
        self.acknowledgedAt = acknowledgedAt
        self.completedAt = completedAt
        self.errorMessage = errorMessage
    }
}
