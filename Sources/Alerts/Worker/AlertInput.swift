/// Work for the alert worker, in the order the ingest thread produced it.
public enum AlertInput: Sendable {
    /// Stored readings of watched sensors (one message's worth).
    case readings([AlertReading])
    case action(operatorKey: String, alertID: String, AlertAction)
}
