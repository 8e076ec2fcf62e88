/// Tasmota as it ships (contract §7), with its default full topic `%prefix%/%topic%/`:
/// `tele/{device}/SENSOR` every TelePeriod (nested JSON, one reading per numeric leaf, `Time` in
/// the device's local time), `tele/{device}/STATE` (a heartbeat: `UptimeSec`, `Wifi`) and
/// `tele/{device}/LWT` (`Online`, and `Offline` as its will). `{device}` is the device's Topic.
/// See `tasmota.yaml` beside this file.
public struct TasmotaConvention: DeviceConvention {
    public init() {}

    public var name: String { "tasmota" }

    public var subscriptions: [ConventionSubscription] {
        [
            ConventionSubscription("tele/+/SENSOR"),
            ConventionSubscription("tele/+/STATE", everyInstance: true),
            ConventionSubscription("tele/+/LWT", everyInstance: true),
        ]
    }

    public func classify(_ levels: TopicLevels, as id: DeviceConventionID) -> DeviceTopic? {
        guard levels.count == 3, levels[0] == "tele" else { return nil }
        switch levels[2] {
        case "SENSOR": return .conventionReadings(device: levels[1], item: "", convention: id)
        case "STATE": return .conventionHeartbeat(device: levels[1], convention: id)
        case "LWT": return .status(device: levels[1])
        default: return nil
        }
    }

    public func decodeReadings(_ payload: UnsafeRawBufferPointer, item: Substring, context: ReadingContext,
                               into message: inout DecodedMessage) {
        message.removeAll(keepingCapacity: true)
        var parser = TelemetryParser(
            cursor: JSONCursor(payload), maxDepth: context.maxDepth, receivedAt: context.receivedAtMicros,
            futureLimit: context.receivedAtMicros &+ context.futureToleranceMicros,
            retentionCutoff: context.retentionCutoffMicros)
        swap(&parser.out, &message)
        parser.parseTasmotaSensor(zone: context.zone)
        swap(&parser.out, &message)
    }

    public func decodeHeartbeat(_ payload: UnsafeRawBufferPointer) -> Result<HeartbeatPayload, ReadingReject> {
        TasmotaState.decode(payload)
    }
}
