@testable import Telemetry
import WallTime

/// The registered convention named `name`, with its id.
func convention(_ name: String) -> (convention: any DeviceConvention, id: DeviceConventionID) {
    let index = DeviceConventions.all.firstIndex { $0.name == name }!
    return (DeviceConventions.all[index], DeviceConventionID(index: UInt8(index)))
}

/// A convention reading with its names resolved.
struct ConventionReading: Equatable, CustomStringConvertible {
    var sensor: String
    var mapKey: String?
    var value: Int64
    var ts: Int64

    var description: String { "\(sensor)[\(mapKey ?? "-")]=\(value)@\(ts)" }
}

/// Decodes `payload` as `name`'s readings topic.
func decodeConvention(
    _ name: String, _ payload: String, item: Substring = "", zone: LocalZones.Lookup = .utc,
    receivedAt: Int64 = receivedAt, retentionCutoff: Int64? = nil
) -> (readings: [ConventionReading], rejects: [ReadingReject]) {
    var message = DecodedMessage()
    let bytes = Array(payload.utf8)
    bytes.withUnsafeBytes {
        convention(name).convention.decodeReadings(
            $0, item: item, context: ReadingContext(receivedAtMicros: receivedAt, retentionCutoffMicros: retentionCutoff, zone: zone),
            into: &message)
    }
    let readings = bytes.withUnsafeBytes { buf in
        message.readings.map {
            ConventionReading(sensor: message.string($0.sensor, payload: buf), mapKey: $0.mapKey.map { message.string($0, payload: buf) },
                              value: $0.scaledValue, ts: $0.timestampMicros)
        }
    }
    return (readings, message.rejects)
}
