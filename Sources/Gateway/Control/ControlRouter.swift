import Alerts
import Commands
import DeviceRegistry
import Foundation
import GatewayConfig
import Ingest
import Logging
import Mailboxes
import Presence
import Telemetry
import WallTime

/// The ingest consumer's `ControlMessageSink`: turns control messages into presence, command and
/// alert inputs and posts them to the services' mailboxes.
///
/// Runs on the ingest thread for every device message, telemetry included, so it does no I/O and
/// takes one short lock per message; anything that needs the database happens on the services'
/// own threads. Retained deliveries (replayed by the broker at subscribe, not sent by the device
/// now) are not evidence of presence, except a retained `offline` status, which says the device
/// has no connection (see `PresenceMachine`). Each worker settles its mailbox once an input's
/// effect is committed; `controlMark`/`isSettled` let the ring keep a control message until then.
final class ControlRouter: ControlMessageSink {
    let presence = Mailbox<PresenceInput>()
    let commands = Mailbox<CommandInput>()
    let alerts = Mailbox<AlertInput>()
    /// Which sensors some alert rule watches, per device (the ingest hot path asks once per message).
    let alertWatch: AlertWatch
    private let logger: Logger

    init(alertRules: [AlertRule] = [], logger: Logger) {
        self.alertWatch = AlertWatch(configured: alertRules)
        self.logger = logger
    }

    func watchedSensors(_ device: DeviceRecord) -> Set<String>? {
        alertWatch.sensors(for: device)
    }

    /// Presence, commands and alerts, in that order.
    func controlMark() -> ControlMark {
        ControlMark(presence.posted, commands.posted, alerts.posted)
    }

    func isSettled(_ mark: ControlMark) -> Bool {
        mark.isSettled(by: ControlMark(presence.settled, commands.settled, alerts.settled))
    }

    func watchedReadings(_ readings: [WatchedReading]) {
        alerts.post(.readings(readings.map {
            AlertReading(device: $0.device, sensor: $0.sensor, value: $0.value, at: $0.timestampMicros)
        }))
    }

    func deviceMessage(
        _ device: DeviceRecord, topic: DeviceTopic, payload: UnsafeRawBufferPointer, receivedAtMicros: Int64, retained: Bool
    ) {
        let event: PresenceEvent
        switch topic {
        case .heartbeat, .conventionHeartbeat:
            let decoded = if case .conventionHeartbeat(_, let convention) = topic {
                convention.convention.decodeHeartbeat(payload)
            } else {
                HeartbeatPayload.decode(payload)
            }
            let firmware: String? = switch decoded {
            case .success(let heartbeat): heartbeat.firmware
            case .failure: nil
            }
            event = .heartbeat(firmware: firmware)
        case .status:
            switch Self.status(payload) {
            case "online": event = .statusOnline(retained: retained)
            case "offline": event = .statusOffline(retained: retained)
            default:
                logger.debug("status payload is neither online nor offline; counted as a message", metadata: ["device": "\(device.publishKey)"])
                event = .message
            }
        case .commandAck(_, let commandID):
            if let id = command(commandID, device) { commands.post(.device(.acknowledged(commandID: id, deviceID: uuid(device)))) }
            event = .message
        case .commandResult(_, let commandID):
            if let id = command(commandID, device) {
                commands.post(.device(.result(commandID: id, deviceID: uuid(device), payload: Array(payload))))
            }
            event = .message
        default:
            event = .message
        }
        if retained, case .statusOffline = event {} else if retained { return }
        presence.post(PresenceInput(
            device: device.id, event: event,
            at: WallInstant(microseconds: receivedAtMicros)))
    }

    func operatorMessage(topic: DeviceTopic, payload: UnsafeRawBufferPointer, receivedAtMicros: Int64) {
        switch topic {
        case .operatorCommands(let operatorKey):
            commands.post(.operatorCommand(operatorKey: String(operatorKey), payload: Array(payload)))
        case .alertAck(let operatorKey, let alertID):
            alerts.post(.action(operatorKey: String(operatorKey), alertID: String(alertID), .acknowledge))
        case .alertResolve(let operatorKey, let alertID):
            alerts.post(.action(operatorKey: String(operatorKey), alertID: String(alertID), .resolve))
        default:
            break
        }
    }

    /// `online`/`offline`, any case, surrounding whitespace ignored; anything else as it is (lowercased).
    static func status(_ payload: UnsafeRawBufferPointer) -> String {
        guard payload.count <= 32 else { return "" }
        return String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    private func command(_ text: Substring, _ device: DeviceRecord) -> UUID? {
        guard let id = UUID(uuidString: String(text)) else {
            logger.info("command ack/result for a command id that is not a UUID ignored", metadata: [
                "device": "\(device.publishKey)", "command_id": "\(text)",
            ])
            return nil
        }
        return id
    }

    private func uuid(_ device: DeviceRecord) -> UUID? { UUID(uuidString: device.idString) }
}
