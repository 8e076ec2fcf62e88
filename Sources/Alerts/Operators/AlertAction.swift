/// What an operator asks of an alert (`operators/{operator}/alerts/{alert_id}/ack|resolve`).
public enum AlertAction: String, Sendable {
    case acknowledge = "ack"
    case resolve
}
