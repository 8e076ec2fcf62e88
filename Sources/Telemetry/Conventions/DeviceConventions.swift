/// The registration table of device conventions, and the set a gateway has switched on.
public enum DeviceConventions {
    /// Every convention the gateway knows, in the order a topic is offered to them.
    /// Adding one is a folder under `Conventions/` and one line here.
    public static let all: [any DeviceConvention] = [
        NativeConvention(),
        ESPHomeConvention(),
        TasmotaConvention(),
    ]

    /// Their names, as `ingest.conventions` takes them.
    public static var names: [String] { all.map(\.name) }

    /// The default of `ingest.conventions`.
    public static let defaultNames = ["native"]

    /// The conventions switched on (`ingest.conventions`): what to subscribe to and how to read a topic.
    public struct Enabled: Sendable {
        private let ids: [DeviceConventionID]

        /// Unknown names are ignored here (configuration validation refuses them).
        public init(names: [String]) {
            ids = DeviceConventions.all.indices
                .filter { names.contains(DeviceConventions.all[$0].name) }
                .map { DeviceConventionID(index: UInt8($0)) }
        }

        /// Every convention.
        public static var everything: Enabled { Enabled(names: DeviceConventions.names) }

        public var names: [String] { ids.map { $0.convention.name } }

        /// The filters to subscribe to, each once.
        public var subscriptions: [ConventionSubscription] {
            var seen = Set<String>()
            return ids.flatMap { $0.convention.subscriptions }.filter { seen.insert($0.filter).inserted }
        }

        /// What `topic` is under the first enabled convention that claims it; `.unknown` when none does.
        public func classify(_ topic: Substring) -> DeviceTopic {
            guard let levels = TopicLevels(topic) else { return .unknown }
            // Operators' topics belong to no device convention: always on.
            if levels[0] == "operators" { return DeviceTopic.parse(levels) }
            for id in ids {
                if let topic = DeviceConventions.all[Int(id.index)].classify(levels, as: id) { return topic }
            }
            return .unknown
        }

        public func classify(_ topic: String) -> DeviceTopic { classify(topic[...]) }
    }
}
