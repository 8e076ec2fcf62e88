import WallTime

/// A family of device firmware and the MQTT topics and payloads it speaks (contract §3 and §7):
/// the gateway's own (`native`), ESPHome's, Tasmota's. Each lives in its own folder under
/// `Conventions/` with its topic parser, payload decoders, a sample configuration and its tests,
/// and is registered with one line in ``DeviceConventions/all``.
///
/// A convention maps its topics onto ``DeviceTopic``: presence messages onto `.status`, readings
/// and heartbeats in its own payload form onto `.conventionReadings` / `.conventionHeartbeat`,
/// which it then decodes itself. Everything after that (device lookup, sensor lookup, rejects,
/// exactly-once COPY, presence, alerts) is the same for every convention.
public protocol DeviceConvention: Sendable {
    /// Its name in `ingest.conventions`.
    var name: String { get }
    /// What the gateway subscribes to while the convention is on.
    var subscriptions: [ConventionSubscription] { get }
    /// What `topic` is under this convention (`id` to put in the topic's convention cases), or nil
    /// when it is none of its topics.
    func classify(_ levels: TopicLevels, as id: DeviceConventionID) -> DeviceTopic?
    /// Decodes a `.conventionReadings` payload into `message` (emptied first, capacity kept):
    /// afterwards every reading in it is valid except for its sensor lookup; the rest are rejects.
    func decodeReadings(_ payload: UnsafeRawBufferPointer, item: Substring, context: ReadingContext,
                        into message: inout DecodedMessage)
    /// Decodes a `.conventionHeartbeat` payload.
    func decodeHeartbeat(_ payload: UnsafeRawBufferPointer) -> Result<HeartbeatPayload, ReadingReject>
}

extension DeviceConvention {
    public func decodeReadings(_ payload: UnsafeRawBufferPointer, item: Substring, context: ReadingContext,
                               into message: inout DecodedMessage) {
        message.removeAll(keepingCapacity: true)
        message.rejects.append(ReadingReject(reason: .malformedPayload, detail: "the \(name) convention has no readings topic"))
    }

    public func decodeHeartbeat(_ payload: UnsafeRawBufferPointer) -> Result<HeartbeatPayload, ReadingReject> {
        HeartbeatPayload.decode(payload)
    }
}

/// One topic filter a convention subscribes to (before any `$share/<group>/` prefix).
public struct ConventionSubscription: Sendable, Hashable {
    public var filter: String
    /// Subscribed directly by every instance even in a shared group: presence messages (status,
    /// wills, heartbeats) switch a device's presence at once, so every instance's tracker must see them.
    public var everyInstance: Bool

    public init(_ filter: String, everyInstance: Bool = false) {
        self.filter = filter
        self.everyInstance = everyInstance
    }
}

/// Which registered convention a ``DeviceTopic`` came from: its place in ``DeviceConventions/all``.
public struct DeviceConventionID: Sendable, Hashable {
    public let index: UInt8

    public init(index: UInt8) { self.index = index }

    /// The convention itself.
    public var convention: any DeviceConvention { DeviceConventions.all[Int(index)] }
}

/// What decoding a convention's readings needs beyond the payload.
public struct ReadingContext {
    /// The gateway's receive time: the ts of readings that carry none.
    public var receivedAtMicros: Int64
    /// Readings older than this are `timestamp_out_of_range` (2000-01-01 is always enforced).
    public var retentionCutoffMicros: Int64?
    /// A ts later than receive time + this is replaced by the receive time (contract: 5 minutes).
    public var futureToleranceMicros: Int64
    /// The device's `timezone`, for payloads that carry local time (Tasmota's `Time`).
    public var zone: LocalZones.Lookup
    /// Deepest JSON nesting accepted.
    public var maxDepth: Int

    public init(receivedAtMicros: Int64, retentionCutoffMicros: Int64? = nil, futureToleranceMicros: Int64 = 300_000_000,
                zone: LocalZones.Lookup = .utc, maxDepth: Int = 32) {
        self.receivedAtMicros = receivedAtMicros
        self.retentionCutoffMicros = retentionCutoffMicros
        self.futureToleranceMicros = futureToleranceMicros
        self.zone = zone
        self.maxDepth = maxDepth
    }
}
