import Foundation
import Logging
import Operators
import Postgres

/// Performs operators' acknowledge and resolve of any alert (threshold or `device_offline`) on
/// the engine's connection: reads the alert and the operator, applies `AlertActionDecision`,
/// writes the change and its `audit_logs` row, and tells the engine.
///
/// An applied action writes `acknowledged_*`/`resolved_*`, then one audit row (`entity_type
/// 'alert'`, `action 'alert.acknowledge'|'alert.resolve'`, `new_values` `{"operator": …}`), and
/// is published on `alerts/{device}` as well as answered. Throws only on database failure, before
/// anything is answered; the caller keeps the action and retries it after reconnecting. Not
/// thread-safe: the engine's thread only.
public final class AlertActionHandler {
    private let engine: ThresholdAlertEngine
    private let operators: OperatorStore
    private let logger: Logger

    public init(engine: ThresholdAlertEngine, logger: Logger) {
        self.engine = engine
        self.operators = OperatorStore(connection: engine.store.connection)
        self.logger = logger
    }

    /// What to publish for one action: the answer, and the alert event when something changed.
    public struct Outcome: Sendable, Equatable {
        public var responseTopic: String
        public var response: String
        public var notices: [AlertNotice]
    }

    /// Handles `action` on `alertID` (the topic's `{alert_id}`) from `operatorKey`, at `now` (epoch microseconds).
    public func handle(operatorKey: String, alertID: String, action: AlertAction, now: Int64) throws(StoreError) -> Outcome {
        var target: AlertTarget?
        var user: OperatorUser?
        if let id = UUID(uuidString: alertID), let found = try engine.store.target(alertID: id) {
            target = found
            user = try operators.user(key: operatorKey)
        }
        switch AlertActionDecision.decide(action, target: target, user: user) {
        case .answer(let answer):
            return outcome(answer, operatorKey, alertID, action, notices: [])
        case .write(let userID):
            guard let target, let entityID = UUID(uuidString: target.id) else { preconditionFailure("a write without a target") }
            let changed: Bool
            switch action {
            case .acknowledge:
                changed = try engine.store.acknowledge(alertID: target.id, by: userID, at: now)
                if changed { engine.operatorAcknowledged(alertID: target.id) }
            case .resolve:
                changed = try engine.store.resolve(alertID: target.id, by: userID, at: now)
                if changed { engine.operatorResolved(alertID: target.id) }
            }
            let answer = AlertActionDecision.afterWrite(action, target: target, changed: changed)
            guard changed else { return outcome(answer, operatorKey, alertID, action, notices: []) }
            try operators.insert(AuditRow(
                userID: userID, entityType: "alert", entityID: entityID, action: action == .acknowledge ? "alert.acknowledge" : "alert.resolve",
                extra: ["operator": operatorKey], atMicros: now))
            logger.info("operator alert action applied", metadata: [
                "operator": "\(operatorKey)", "alert_id": "\(alertID)", "action": "\(action.rawValue)",
            ])
            let notices = target.publishKey.map { key in
                [AlertNotice(event: action == .acknowledge ? .acknowledged : .resolved, alertID: target.id, deviceKey: key,
                             alertType: target.alertType, severity: target.severity, escalationLevel: target.escalationLevel,
                             title: target.title, currentValue: target.currentValue)]
            } ?? []
            return outcome(answer, operatorKey, alertID, action, notices: notices)
        }
    }

    private func outcome(
        _ answer: AlertActionAnswer, _ operatorKey: String, _ alertID: String, _ action: AlertAction, notices: [AlertNotice]
    ) -> Outcome {
        if let error = answer.error {
            logger.notice("operator alert action rejected", metadata: [
                "operator": "\(operatorKey)", "alert_id": "\(alertID)", "action": "\(action.rawValue)", "reason": "\(error)",
            ])
        }
        return Outcome(
            responseTopic: OperatorResponse.topic(operatorKey: operatorKey),
            response: OperatorResponse.alertAction(
                alertID: alertID, action: action.rawValue, device: answer.device, status: answer.status, error: answer.error),
            notices: notices)
    }
}
