import Foundation
import GatewayConfig
import Logging
import Operators
import Postgres
import WallTime

/// Turns `operators/{operator}/commands` messages into `device_commands` rows, or refusals.
///
/// Order: parse and validate, resolve the device, look up and authorise the operator. A refusal
/// writes nothing but, when the device exists, an `audit_logs` row (`entity_type 'device'`,
/// `action 'command.rejected'`), so probing shows up. An accepted request writes the command
/// (`user_id` = the operator) and its audit row (`entity_type 'device_command'`, `action
/// 'command.create'`, `new_values` = the request plus `operator`, `request_id`) in one
/// statement; the row's NOTIFY then wakes the dispatchers, which answer every later state change
/// from that audit row. Not thread-safe: uses the store's connection, from one thread.
public final class OperatorCommandHandler {
    public let store: CommandStore
    public let settings: CommandSettings
    private let resolveDevice: DeviceResolver
    private let logger: Logger

    /// `resolveDevice` defaults to `store.resolveDevice` (SQL); pass the device registry's lookup instead.
    public init(store: CommandStore, settings: CommandSettings, logger: Logger, resolveDevice: DeviceResolver? = nil) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.resolveDevice = resolveDevice ?? { [store] key in try store.resolveDevice(key) }
    }

    /// What became of one request.
    public struct Outcome: Sendable, Equatable {
        /// The new command's id when accepted.
        public var commandID: UUID?
        /// The refusal reason when rejected.
        public var rejection: String?
        /// The response(s) to publish (`pending` or `rejected`).
        public var effects: [CommandEffect]
    }

    /// Handles one request from `operatorKey` (the `{operator}` of the topic). Throws only on database failure.
    public func handle(operatorKey: String, payload: [UInt8], now: WallInstant) throws(StoreError) -> Outcome {
        let parsed = OperatorCommandRequest.parse(payload, settings: settings)
        let deviceKey: String?
        let requestID: String?
        let requestJSON: String?
        var reason: String?
        var request: OperatorCommandRequest?
        switch parsed {
        case .valid(let valid):
            request = valid
            (deviceKey, requestID, requestJSON) = (valid.device, valid.requestID, valid.requestJSON)
        case .invalid(let why, let device, let id, let json):
            reason = why
            (deviceKey, requestID, requestJSON) = (device, id, json)
        }

        let device: ResolvedDevice?
        do {
            device = try deviceKey.flatMap { try resolveDevice($0) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, store: "commands", operation: "resolve device", message: "\(error)")
        }
        let user = try OperatorStore(connection: store.connection).user(key: operatorKey)
        if reason == nil {
            if let device {
                reason = OperatorAuthorization.refusal(user: user, deviceOwner: device.ownerID)
            } else {
                reason = "unknown device"
            }
        }

        if let reason {
            if let device, let requestJSON {
                try OperatorStore(connection: store.connection).insert(AuditRow(
                    userID: user?.id, entityType: "device", entityID: device.id, action: "command.rejected",
                    newValuesJSON: requestJSON, extra: ["operator": operatorKey, "reason": reason], requestID: requestID,
                    atMicros: now.microseconds))
            }
            logger.notice("operator command rejected", metadata: [
                "operator": "\(operatorKey)", "device": "\(deviceKey ?? "-")", "reason": "\(reason)",
            ])
            return Outcome(commandID: nil, rejection: reason, effects: [response(operatorKey, requestID, nil, deviceKey, "rejected", reason)])
        }
        guard let request, let device, let user else { preconditionFailure("accepted without request, device and user") }
        if let requestID, let existing = try store.existingOperatorCommand(requestID: requestID, userID: user.id) {
            logger.notice("operator request repeated; answered with the command it created", metadata: [
                "operator": "\(operatorKey)", "request_id": "\(requestID)", "command_id": "\(existing.id)",
            ])
            return Outcome(commandID: existing.id, rejection: nil,
                           effects: [response(operatorKey, requestID, existing.id, request.device, existing.status, nil)])
        }
        let id = try store.insertOperatorCommand(request, deviceID: device.id, userID: user.id, operatorKey: operatorKey, now: now)
        logger.info("operator command accepted", metadata: [
            "operator": "\(operatorKey)", "device": "\(request.device)", "command_id": "\(id)", "type": "\(request.type)",
        ])
        return Outcome(commandID: id, rejection: nil, effects: [response(operatorKey, requestID, id, request.device, "pending", nil)])
    }

    private func response(_ operatorKey: String, _ requestID: String?, _ id: UUID?, _ device: String?, _ status: String, _ error: String?) -> CommandEffect {
        .publishToOperator(
            topic: OperatorResponse.topic(operatorKey: operatorKey),
            payload: OperatorResponse.command(requestID: requestID, commandID: id, device: device, status: status, error: error)
        )
    }
}
