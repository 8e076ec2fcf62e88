import ConnectionURL
import Postgres
import Telemetry

/// Every YAML key, each declared once, in documentation order (CONTRACT §2 names most of them).
///
/// Reading, validation, `check-config`'s printout and `Config/gateway.yaml` all come from this table;
/// a new key is one line here plus its field (with its default) in a settings struct.
extension GatewayConfiguration {
    /// Keys that were renamed, old name → new name: an old name is refused with the new one, so a
    /// configuration written for an earlier version fails `check-config` with the fix, never silently.
    static let renamedKeys = [
        "commands.max_max_retries": "commands.max_retries_limit",
    ]

    static let keys: [ConfigKey] = [
        // MARK: mqtt
        .text("mqtt.url", \.mqtt.url, """
            Broker URL: mqtt://[user[:password]@]host[:port] (port default 1883) or mqtts://… for TLS \
            (port default 8883). Write reserved characters of a password as %XX.
            """, secret: true, rule: { mqttURLProblem($0.mqtt.url) }),
        .optionalPath("mqtt.password_file", \.mqtt.passwordFile, """
            File whose first line is the broker password; it replaces any password in mqtt.url, which must \
            name the user. Keeps the password out of this file; under systemd use \
            /run/credentials/mash-gateway.service/mqtt-password (the unit's LoadCredential=).
            """, rule: firstProblem({ passwordFileProblem($0.mqtt.passwordFile) }, { (c: GatewayConfiguration) in
                c.mqtt.passwordFile != nil && (try? MQTTURL(parsing: c.mqtt.url)).map({ $0.username == nil }) == true
                    ? (.conflict, "needs a user name in mqtt.url (the broker gets a password only with one); write mqtt://user@host")
                    : nil
            })),
        .text("mqtt.client_id", \.mqtt.clientID, """
            MQTT client id; also names the persistent session and the retained topic \
            gateway/<client_id>/status. Must be unique per instance and must not contain / + #.
            """, rule: { (c: GatewayConfiguration) in
                let id = c.mqtt.clientID
                if id.isEmpty { return (.notAllowed, "is empty; give a name unique to this instance, e.g. mash-gateway-1") }
                if id.utf8.count > 65_535 { return (.outOfRange, "is too long; use at most 65535 bytes") }
                if id.contains(where: { "/+#\u{0}".contains($0) }) {
                    return (.notAllowed, "\"\(id)\" must not contain /, + or #: it is part of the topic gateway/<client_id>/status")
                }
                return nil
            }),
        .text("mqtt.shared_group", \.mqtt.sharedGroup, """
            Non-empty: subscribe through $share/<group>/… so several instances with the same group split \
            the devices' messages between them (scale-out). "" means no shared subscription.
            """, rule: { (c: GatewayConfiguration) in
                c.mqtt.sharedGroup.contains(where: { "/+#\u{0}".contains($0) })
                    ? (.notAllowed, "\"\(c.mqtt.sharedGroup)\" must not contain /, + or #: it is a topic level of $share/<group>/…")
                    : nil
            }),
        .integer("mqtt.keepalive_s", \.mqtt.keepaliveSeconds, 5...65_535,
                 "Keepalive interval; the broker declares us gone after 1.5× this."),
        .choice("mqtt.protocol", \.mqtt.protocolVersion, """
            MQTT protocol. v5 lets the broker keep our session for session_expiry_s, so QoS 1 messages \
            sent while we are away are queued, not lost.
            """),
        .integer("mqtt.session_expiry_s", \.mqtt.sessionExpirySeconds, 0...4_294_967_295, """
            v5 only: how long the broker keeps our session and queued messages while we are \
            disconnected (604800 = 7 days); 0 ends the session on disconnect.
            """),
        .integer("mqtt.qos", \.mqtt.qos, oneOf: [0, 1, 2], """
            QoS of our subscriptions and publications. 1 = at least once (duplicates are harmless, \
            readings are stored once).
            """),
        .integer("mqtt.reconnect_min_ms", \.mqtt.reconnectMinMilliseconds, 1...3_600_000,
                 "Reconnect backoff: the first wait, doubled after each failure up to reconnect_max_ms."),
        .integer("mqtt.reconnect_max_ms", \.mqtt.reconnectMaxMilliseconds, 1...3_600_000,
                 "Reconnect backoff: the longest wait.", rule: { (c: GatewayConfiguration) in
                     c.mqtt.reconnectMaxMilliseconds < c.mqtt.reconnectMinMilliseconds
                         ? (.conflict, "\(c.mqtt.reconnectMaxMilliseconds) is below mqtt.reconnect_min_ms (\(c.mqtt.reconnectMinMilliseconds)); use at least that")
                         : nil
                 }),
        .optionalPath("mqtt.tls.ca_file", \.mqtt.tls.caFile,
                      "PEM CA certificate that signed the broker's certificate; null uses the system trust store.",
                      rule: onlyWithTLS { $0.mqtt.tls.caFile != nil }),
        .optionalPath("mqtt.tls.cert_file", \.mqtt.tls.certFile, """
            PEM client certificate, for brokers that authenticate clients by certificate; give key_file too.
            """, rule: firstProblem(
                bothOrNeither(\.mqtt.tls.certFile, given: "key_file", \.mqtt.tls.keyFile), onlyWithTLS { $0.mqtt.tls.certFile != nil })),
        .optionalPath("mqtt.tls.key_file", \.mqtt.tls.keyFile, "PEM private key of cert_file.",
                      rule: firstProblem(
                          bothOrNeither(\.mqtt.tls.keyFile, given: "cert_file", \.mqtt.tls.certFile), onlyWithTLS { $0.mqtt.tls.keyFile != nil })),
        .boolean("mqtt.tls.insecure", \.mqtt.tls.insecure, "true skips the broker host name check. Test brokers only.",
                 rule: onlyWithTLS(\.mqtt.tls.insecure)),

        // MARK: database
        .text("database.url", \.database.url, """
            PostgreSQL URL: postgres://user[:password]@host[:port]/dbname[?sslmode=…], as libpq accepts it \
            (several hosts too). Keep the password out of it with database.password_file.
            """, secret: true, rule: { postgresURLProblem($0.database.url) }),
        .optionalPath("database.password_file", \.database.passwordFile, """
            File whose first line is the database password; it replaces any password in database.url \
            (and in MASH_DATABASE_URL). Under systemd use /run/credentials/mash-gateway.service/db-password \
            (the unit's LoadCredential=).
            """, rule: { passwordFileProblem($0.database.passwordFile) }),
        .text("database.listen_url", \.database.listenURL, """
            Optional direct (session) PostgreSQL URL for LISTEN/NOTIFY and session locks (migrations), \
            for when url goes through PgBouncer in transaction pooling. "" uses url for those too.
            """, secret: true, rule: { $0.database.listenURL.isEmpty ? nil : postgresURLProblem($0.database.listenURL) }),
        .integer("database.writer_connections", \.database.writerConnections, 1...64,
                 "Parallel COPY writer connections (measured on 2 cores: 1 ≈ 78k, 2 ≈ 128k rows/s)."),
        .integer("database.connect_timeout_s", \.database.connectTimeoutSeconds, 1...3600,
                 "How long one connection attempt may take before it is retried."),

        // MARK: ingest
        .integer("ingest.batch_size", \.ingest.batchSize, 1...100_000, "Rows per COPY at most."),
        .integer("ingest.flush_interval_ms", \.ingest.flushIntervalMilliseconds, 1...60_000,
                 "A reading waits at most this long before its batch is written (the upper bound; see flush_when_writer_free)."),
        .boolean("ingest.flush_when_writer_free", \.ingest.flushWhenWriterFree, """
            true writes a batch as soon as a writer connection is free, so light load gets small, fast \
            transactions and heavy load big ones; false waits for batch_size rows or flush_interval_ms \
            (fewest transactions, latency about flush_interval_ms).
            """),
        .path("ingest.spool_dir", \.ingest.spoolDirectory, """
            All local state of this instance: spooled batches while PostgreSQL is away and the \
            persistent ring. One directory per instance.
            """),
        .choice("ingest.unknown_devices", \.ingest.unknownDevices, """
            Telemetry from a device key with no devices row: reject (stored in ingest_rejects as \
            unknown_device) or register (creates a devices row: serial_number = name = the key, \
            device_type 'unregistered', no owner).
            """),
        .integer("ingest.max_payload_bytes", \.ingest.maxPayloadBytes, 1...268_435_455,
                 "Larger messages are rejected as payload_too_large (262144 = 256 KiB)."),
        .integer("ingest.max_json_depth", \.ingest.maxJSONDepth, 1...1024,
                 "Deeper JSON nesting is malformed_payload (guards the decoder)."),
        .integer("ingest.ring_capacity_mb", \.ingest.ringCapacityMegabytes, 1...65_536, """
            Memory-mapped ring between MQTT intake and the writers, in MiB: every message is in it \
            before the broker gets its PUBACK, so a crash loses nothing. Its pages count in the \
            process's resident memory once touched; 16 MiB holds ≈80,000 typical messages (several \
            seconds at full speed), and the spool takes over when PostgreSQL is slow or away. It must \
            hold two messages of max_payload_bytes.
            """, rule: { (c: GatewayConfiguration) in
                let ingest = c.ingest
                guard (1...268_435_455).contains(ingest.maxPayloadBytes),
                      ingest.ringCapacityMegabytes * 1_048_576 < 2 * ingest.maxPayloadBytes else { return nil }
                return (.conflict, "\(ingest.ringCapacityMegabytes) MiB cannot hold two messages of max_payload_bytes (\(ingest.maxPayloadBytes)); raise it or lower ingest.max_payload_bytes")
            }),
        .integer("ingest.spool_max_mb", \.ingest.spoolMaxMegabytes, 1...16_777_216,
                 "Disk the spool may fill while PostgreSQL is unreachable, in MiB."),
        .integer("ingest.fsync_interval_ms", \.ingest.fsyncIntervalMilliseconds, 0...60_000,
                 "How often the ring and spool are flushed to disk; 0 = after every message (safest, slowest)."),
        .integer("ingest.rejects_retention_days", \.ingest.rejectsRetentionDays, 0...36_500, """
            ingest_rejects rows older than this are deleted (hourly, in batches of 5,000); 0 keeps \
            them forever.
            """),
        .integer("ingest.reject_payload_bytes_per_device_hour", \.ingest.rejectPayloadBytesPerDeviceHour, 0...1_073_741_824, """
            Payload bytes of rejected messages stored per device (topic's first two levels) and \
            clock hour; beyond it the reject row keeps its reason and detail but not the payload \
            (counted in mash_ingest_reject_payload_bytes_cut_total). 0 stores no payloads.
            """),
        .nameList("ingest.conventions", \.ingest.conventions, allowed: DeviceConventions.names, """
            Device conventions to accept, each subscribing to its own topics: native (devices/{device}/…), \
            esphome ({device}/sensor/{id}/state, {device}/binary_sensor/{id}/state, {device}/status) and \
            tasmota (tele/{device}/SENSOR, STATE, LWT). A convention that is off subscribes to nothing.
            """),

        // MARK: partitions
        .choice("partitions.interval", \.partitions.interval, "Span of one sensor_readings partition."),
        .integer("partitions.retention_days", \.partitions.retentionDays, 1...36_500, """
            Partitions wholly older than this are dropped; older readings are rejected as \
            timestamp_out_of_range.
            """),
        .integer("partitions.premake", \.partitions.premake, 1...366,
                 "How many future partitions are created ahead of time, so no reading waits for one."),

        // MARK: presence
        .integer("presence.offline_after_s", \.presence.offlineAfterSeconds, 1...2_592_000,
                 "No message from a device for this long marks it offline and raises a device_offline alert."),
        .integer("presence.sweep_interval_ms", \.presence.sweepIntervalMilliseconds, 10...60_000,
                 "How often silent devices are looked for (bounds how late an offline is noticed)."),
        .choice("presence.offline_alert_severity", \.presence.offlineAlertSeverity, "Severity of the device_offline alert."),

        // MARK: commands
        .integer("commands.ttl_s", \.commands.ttlSeconds, 1...31_536_000,
                 "A command not finished by created_at + ttl_s times out with error 'expired' (86400 = 1 day)."),
        .integer("commands.poll_interval_s", \.commands.pollIntervalSeconds, 1...3600,
                 "Safety-net poll for pending commands besides LISTEN/NOTIFY."),
        .integer("commands.max_timeout_s", \.commands.maxTimeoutSeconds, 1...86_400,
                 "Largest timeout_s an operator may ask for."),
        .integer("commands.max_retries_limit", \.commands.maxRetriesLimit, 0...1000,
                 "Largest max_retries an operator may ask for."),

        // MARK: alerts
        .integer("alerts.escalate_after_s", \.alerts.escalateAfterSeconds, 1...31_536_000,
                 "An unacknowledged alert escalates once per this interval."),
        .integer("alerts.max_escalation_level", \.alerts.maxEscalationLevel, 1...100,
                 "Escalation stops at this level (alerts start at 1)."),
        .alertRules("alerts.rules", """
            Threshold rules for every device. A device's configuration.alert_rules (same shape, JSON) \
            replaces a rule of the same name for that device or adds new ones.
            """),

        // MARK: outbox
        .integer("outbox.max_age_hours", \.outbox.maxAgeHours, 1...8760, """
            Alert events, operator responses and offline notices wait in the outbox (table gateway_outbox) \
            while the broker is away; older entries are dropped (logged, mash_outbox_dropped_total).
            """),
        .integer("outbox.max_entries", \.outbox.maxEntries, 100...10_000_000,
                 "At most this many unpublished entries are kept; the oldest beyond it are dropped (logged and counted)."),

        // MARK: http, logging
        .text("http.listen", \.http.listen, """
            host:port of GET /metrics (Prometheus text), GET /healthz and GET /readyz; "" disables.
            """, rule: { (c: GatewayConfiguration) in
                guard !c.http.listen.isEmpty, case .failure(let error) = ListenAddress.parse(c.http.listen) else { return nil }
                return (error.problems[0].code, error.problems[0].message)
            }),
        .choice("logging.level", \.logging.level, "Log level; logs go to stdout, one line per event."),
    ]

    /// Documentation of the mappings that group keys below a section, by dotted path.
    static let sectionDocs: [String: String] = [
        "mqtt.tls": "TLS, only for mqtts:// URLs (setting these with mqtt:// is an error).",
    ]
}

/// "only applies to mqtts://" for a TLS setting given with an `mqtt://` URL.
private func onlyWithTLS(_ isSet: @escaping @Sendable (GatewayConfiguration) -> Bool) -> KeyRule {
    { c in
        isSet(c) && (try? MQTTURL(parsing: c.mqtt.url))?.useTLS == false
            ? (.conflict, "only applies to mqtts:// URLs; change mqtt.url to mqtts://… or remove it") : nil
    }
}

/// "is required when … is set" on the missing half of a pair.
private func bothOrNeither(
    _ field: ConfigKey.Field<String?>, given other: String, _ otherField: ConfigKey.Field<String?>
) -> KeyRule {
    { c in
        c[keyPath: field] == nil && c[keyPath: otherField] != nil
            ? (.conflict, "is required when mqtt.tls.\(other) is set; a client certificate needs both") : nil
    }
}

private func mqttURLProblem(_ url: String) -> (ConfigurationProblem.Code, String)? {
    do {
        _ = try MQTTURL(parsing: url)
        return nil
    } catch {
        return (.invalidURL, error.message)
    }
}

/// libpq's verdict, plus the gateway's own rule that the database is reached over the network.
/// URL options whose values libpq accepts at parse time but refuses at connect time.
private let postgresURLChoices: [(String, [String])] = [
    ("sslmode", ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
    ("target_session_attrs", ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]),
]

private func postgresURLProblem(_ text: String) -> (ConfigurationProblem.Code, String)? {
    do {
        let url = try PostgresURL(text)
        if url.host == nil { return (.invalidURL, "\"\(redacted(url: text))\" has no host; use \(PostgresURL.example)") }
        // libpq checks these values only when connecting; a typo is a configuration error now.
        for (option, allowed) in postgresURLChoices {
            if let value = url.options[option], !allowed.contains(value) {
                let list = allowed.dropLast().joined(separator: ", ") + " or " + allowed.last!
                return (.notAllowed, "\(option)=\(value) in \"\(redacted(url: text))\" is not allowed; use \(list)")
            }
        }
        // Several hosts (a primary and its standbys): libpq takes the first that answers unless told
        // to find the writable one, and the gateway writes on every connection.
        if url.host?.contains(",") == true, !["read-write", "primary"].contains(url.options["target_session_attrs"] ?? "any") {
            return (.conflict, "\"\(redacted(url: text))\" names several hosts; add ?target_session_attrs=read-write so only the writable one is used")
        }
        return nil
    } catch {
        return (.invalidURL, error.message)
    }
}
