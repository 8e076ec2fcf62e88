/// Everything the gateway can be told, grouped by concern, with a default for every field.
///
/// Build one with ``load(path:environment:)`` or ``parse(yaml:environment:)`` (which validate), or in
/// code with the memberwise initializers and then ``validate()``. YAML keys are the snake_case names
/// of CONTRACT §2; `Config/gateway.yaml` documents each one.
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

    public init(
        mqtt: MQTTSettings = MQTTSettings(),
        database: DatabaseSettings = DatabaseSettings(),
        ingest: IngestSettings = IngestSettings(),
        partitions: PartitionSettings = PartitionSettings(),
        presence: PresenceSettings = PresenceSettings(),
        commands: CommandSettings = CommandSettings(),
        alerts: AlertSettings = AlertSettings(),
        http: HTTPSettings = HTTPSettings(),
        logging: LoggingSettings = LoggingSettings()
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
    }

    /// Where `mash-gateway` looks when no `--config` is given (CONTRACT §1).
    public static let defaultPath = "/etc/mash-gateway/gateway.yaml"

    /// Environment variables that replace a URL from the file (CONTRACT §1); empty values are ignored.
    public static let environmentOverrides: [(variable: String, key: String)] = [
        ("MASH_DATABASE_URL", "database.url"),
        ("MASH_MQTT_URL", "mqtt.url"),
    ]

    /// Every YAML key, by section, in documentation order. `mqtt.tls` and `alerts.rules[]` are nested.
    public static let knownKeys: [(section: String, keys: [String])] = [
        ("mqtt", ["url", "client_id", "shared_group", "keepalive_s", "protocol", "session_expiry_s", "qos",
                  "reconnect_min_ms", "reconnect_max_ms", "tls"]),
        ("mqtt.tls", ["ca_file", "cert_file", "key_file", "insecure"]),
        ("database", ["url", "writer_connections", "connect_timeout_s"]),
        ("ingest", ["batch_size", "flush_interval_ms", "spool_dir", "unknown_devices", "max_payload_bytes",
                    "max_json_depth", "ring_capacity_mb", "spool_max_mb", "fsync_interval_ms"]),
        ("partitions", ["interval", "retention_days", "premake"]),
        ("presence", ["offline_after_s", "sweep_interval_ms", "offline_alert_severity"]),
        ("commands", ["ttl_s", "poll_interval_s", "max_timeout_s", "max_max_retries"]),
        ("alerts", ["escalate_after_s", "max_escalation_level", "rules"]),
        ("alerts.rules[]", AlertRuleDraft.fieldNames),
        ("http", ["listen"]),
        ("logging", ["level"]),
    ]
}
