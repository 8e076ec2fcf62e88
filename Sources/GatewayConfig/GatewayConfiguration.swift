/// Everything the gateway can be told, grouped by concern, with a default for every field.
///
/// Build one with ``load(path:environment:)`` or ``parse(yaml:environment:)`` (which validate), or in
/// code with the memberwise initializers and then ``validate()``. YAML keys are the snake_case names
/// of CONTRACT §2, each declared once in ``keys``; `Config/gateway.yaml` is rendered from them.
public struct GatewayConfiguration: Sendable, Equatable {
    public var mqtt: MQTTSettings
    public var database: DatabaseSettings
    public var ingest: IngestSettings
    public var partitions: PartitionSettings
    public var presence: PresenceSettings
    public var commands: CommandSettings
    public var alerts: AlertSettings
    public var http: HTTPSettings
    public var logging: LoggingSettings
    public var outbox: OutboxSettings

    public init(
        mqtt: MQTTSettings = MQTTSettings(),
        database: DatabaseSettings = DatabaseSettings(),
        ingest: IngestSettings = IngestSettings(),
        partitions: PartitionSettings = PartitionSettings(),
        presence: PresenceSettings = PresenceSettings(),
        commands: CommandSettings = CommandSettings(),
        alerts: AlertSettings = AlertSettings(),
        http: HTTPSettings = HTTPSettings(),
        logging: LoggingSettings = LoggingSettings(),
        outbox: OutboxSettings = OutboxSettings()
    ) {
        self.mqtt = mqtt
        self.database = database
        self.ingest = ingest
        self.partitions = partitions
        self.presence = presence
        self.commands = commands
        self.alerts = alerts
        self.http = http
        self.logging = logging
        self.outbox = outbox
    }

    /// Where `mash-gateway` looks when no `--config` is given (CONTRACT §1).
    public static let defaultPath = "/etc/mash-gateway/gateway.yaml"

    /// Environment variables that replace a URL from the file (CONTRACT §1); empty values are ignored.
    public static let environmentOverrides: [(variable: String, key: String)] = [
        ("MASH_DATABASE_URL", "database.url"),
        ("MASH_MQTT_URL", "mqtt.url"),
        // A unit's own credential (`$CREDENTIALS_DIRECTORY/…`): the backup unit cannot see the gateway's.
        ("MASH_DATABASE_PASSWORD_FILE", "database.password_file"),
        ("MASH_MQTT_PASSWORD_FILE", "mqtt.password_file"),
    ]

    /// Every YAML key, by section, in documentation order (derived from ``keys``). `mqtt.tls` and
    /// `alerts.rules[]` are nested.
    public static var knownKeys: [(section: String, keys: [String])] {
        var sections: [(section: String, keys: [String])] = []
        func collect(_ path: String) {
            let entries = KeyTree.entries(in: path)
            if !path.isEmpty {
                sections.append((path, entries.map {
                    switch $0 {
                    case .key(let key): key.leaf
                    case .section(let child): String(child.split(separator: ".").last!)
                    }
                }))
            }
            for case .section(let child) in entries { collect(child) }
        }
        collect("")
        sections.append(("alerts.rules[]", AlertRuleDraft.fieldNames))
        return sections
    }
}
