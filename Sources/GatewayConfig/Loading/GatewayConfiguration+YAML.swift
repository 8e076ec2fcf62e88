import Yams

/// Section readers: each maps YAML keys to fields; types are checked here, ranges in `validate()`.
extension GatewayConfiguration {
    static func read(_ root: Node?, log: ProblemLog) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        guard var top = MappingReader(root, path: "", log: log, expected: "a mapping of sections (mqtt:, database:, …)") else {
            return configuration
        }
        configuration.mqtt = readMQTT(top.node("mqtt"), log)
        configuration.database = readDatabase(top.node("database"), log)
        configuration.ingest = readIngest(top.node("ingest"), log)
        configuration.partitions = readPartitions(top.node("partitions"), log)
        configuration.presence = readPresence(top.node("presence"), log)
        configuration.commands = readCommands(top.node("commands"), log)
        configuration.alerts = readAlerts(top.node("alerts"), log)
        configuration.http = readHTTP(top.node("http"), log)
        configuration.logging = readLogging(top.node("logging"), log)
        top.reportUnknownKeys(elsewhere: keyHomes)
        return configuration
    }

    /// Leaf key → its one full path, for keys written in the wrong section (ambiguous names left out).
    private static let keyHomes: [String: String] = {
        var homes: [String: [String]] = [:]
        for (section, keys) in knownKeys where !section.contains("[") {
            for key in keys { homes[key, default: []].append("\(section).\(key)") }
        }
        return homes.compactMapValues { $0.count == 1 ? $0[0] : nil }
    }()

    private static func readMQTT(_ node: Node?, _ log: ProblemLog) -> MQTTSettings {
        var s = MQTTSettings()
        guard var r = MappingReader(node, path: "mqtt", log: log) else { return s }
        r.read("url", into: &s.url, .string)
        r.read("client_id", into: &s.clientID, .string)
        r.read("shared_group", into: &s.sharedGroup, .string)
        r.read("keepalive_s", into: &s.keepaliveSeconds, .integer)
        r.read("protocol", into: &s.protocolVersion, .choice(MQTTProtocolVersion.self))
        r.read("session_expiry_s", into: &s.sessionExpirySeconds, .integer)
        r.read("qos", into: &s.qos, .integer)
        r.read("reconnect_min_ms", into: &s.reconnectMinMilliseconds, .integer)
        r.read("reconnect_max_ms", into: &s.reconnectMaxMilliseconds, .integer)
        if var t = MappingReader(r.node("tls"), path: "mqtt.tls", log: log) {
            t.read("ca_file", into: &s.tls.caFile, .string)
            t.read("cert_file", into: &s.tls.certFile, .string)
            t.read("key_file", into: &s.tls.keyFile, .string)
            t.read("insecure", into: &s.tls.insecure, .boolean)
            t.reportUnknownKeys()
        }
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readDatabase(_ node: Node?, _ log: ProblemLog) -> DatabaseSettings {
        var s = DatabaseSettings()
        guard var r = MappingReader(node, path: "database", log: log) else { return s }
        r.read("url", into: &s.url, .string)
        r.read("writer_connections", into: &s.writerConnections, .integer)
        r.read("connect_timeout_s", into: &s.connectTimeoutSeconds, .integer)
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readIngest(_ node: Node?, _ log: ProblemLog) -> IngestSettings {
        var s = IngestSettings()
        guard var r = MappingReader(node, path: "ingest", log: log) else { return s }
        r.read("batch_size", into: &s.batchSize, .integer)
        r.read("flush_interval_ms", into: &s.flushIntervalMilliseconds, .integer)
        r.read("spool_dir", into: &s.spoolDirectory, .string)
        r.read("unknown_devices", into: &s.unknownDevices, .choice(UnknownDevicePolicy.self))
        r.read("max_payload_bytes", into: &s.maxPayloadBytes, .integer)
        r.read("max_json_depth", into: &s.maxJSONDepth, .integer)
        r.read("ring_capacity_mb", into: &s.ringCapacityMegabytes, .integer)
        r.read("spool_max_mb", into: &s.spoolMaxMegabytes, .integer)
        r.read("fsync_interval_ms", into: &s.fsyncIntervalMilliseconds, .integer)
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readPartitions(_ node: Node?, _ log: ProblemLog) -> PartitionSettings {
        var s = PartitionSettings()
        guard var r = MappingReader(node, path: "partitions", log: log) else { return s }
        r.read("interval", into: &s.interval, .choice(PartitionInterval.self))
        r.read("retention_days", into: &s.retentionDays, .integer)
        r.read("premake", into: &s.premake, .integer)
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readPresence(_ node: Node?, _ log: ProblemLog) -> PresenceSettings {
        var s = PresenceSettings()
        guard var r = MappingReader(node, path: "presence", log: log) else { return s }
        r.read("offline_after_s", into: &s.offlineAfterSeconds, .integer)
        r.read("sweep_interval_ms", into: &s.sweepIntervalMilliseconds, .integer)
        r.read("offline_alert_severity", into: &s.offlineAlertSeverity, .choice(AlertSeverity.self))
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readCommands(_ node: Node?, _ log: ProblemLog) -> CommandSettings {
        var s = CommandSettings()
        guard var r = MappingReader(node, path: "commands", log: log) else { return s }
        r.read("ttl_s", into: &s.ttlSeconds, .integer)
        r.read("poll_interval_s", into: &s.pollIntervalSeconds, .integer)
        r.read("max_timeout_s", into: &s.maxTimeoutSeconds, .integer)
        r.read("max_max_retries", into: &s.maxMaxRetries, .integer)
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readAlerts(_ node: Node?, _ log: ProblemLog) -> AlertSettings {
        var s = AlertSettings()
        guard var r = MappingReader(node, path: "alerts", log: log) else { return s }
        r.read("escalate_after_s", into: &s.escalateAfterSeconds, .integer)
        r.read("max_escalation_level", into: &s.maxEscalationLevel, .integer)
        if let rules = r.node("rules"), !rules.isNull {
            if case .sequence(let items) = rules {
                s.rules = items.enumerated().compactMap { index, item in readRule(item, path: "alerts.rules[\(index)]", log) }
            } else {
                log.add(.wrongType, "alerts.rules", "expected a list of rules (- name: …), got \(rules.kindDescription)",
                        line: rules.mark?.line)
            }
        }
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    /// One rule; nil (with problems logged) when it is not valid.
    private static func readRule(_ node: Node, path: String, _ log: ProblemLog) -> AlertRule? {
        guard var r = MappingReader(node, path: path, log: log, expected: "a rule (name:, sensor:, above: or below:, …)") else {
            if node.isNull {
                log.add(.missingValue, path, "is an empty list entry; remove the - or write a rule", line: node.mark?.line)
            }
            return nil
        }
        var draft = AlertRuleDraft()
        let before = log.problems.count
        func track(_ field: String, _ body: (inout MappingReader) -> Void) {
            let count = log.problems.count
            body(&r)
            if log.problems.count > count { draft.invalidFields.insert(field) }
        }
        track("name") { $0.read("name", into: &draft.name, .string) }
        track("sensor") { $0.read("sensor", into: &draft.sensor, .string) }
        track("above") { $0.read("above", into: &draft.above, .number) }
        track("below") { $0.read("below", into: &draft.below, .number) }
        track("hysteresis") { $0.read("hysteresis", into: &draft.hysteresis, .number) }
        track("for_s") { $0.read("for_s", into: &draft.forSeconds, .number) }
        track("severity") { $0.read("severity", into: &draft.severity, .choice(AlertSeverity.self)) }
        track("auto_resolve") { $0.read("auto_resolve", into: &draft.autoResolve, .boolean) }
        r.reportUnknownKeys()
        switch draft.build(path: path) {
        case .success(let rule):
            return log.problems.count == before ? rule : nil
        case .failure(let error):
            for problem in error.problems {
                var problem = problem
                problem.line = log.lines[problem.key] ?? node.mark?.line
                log.append(problem)
            }
            return nil
        }
    }

    private static func readHTTP(_ node: Node?, _ log: ProblemLog) -> HTTPSettings {
        var s = HTTPSettings()
        guard var r = MappingReader(node, path: "http", log: log) else { return s }
        r.read("listen", into: &s.listen, .string)
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }

    private static func readLogging(_ node: Node?, _ log: ProblemLog) -> LoggingSettings {
        var s = LoggingSettings()
        guard var r = MappingReader(node, path: "logging", log: log) else { return s }
        r.read("level", into: &s.level, .choice(LogLevel.self))
        r.reportUnknownKeys(elsewhere: keyHomes)
        return s
    }
}
