extension GatewayConfiguration {
    /// The whole configuration as YAML, every key present, passwords in URLs masked as `****`.
    ///
    /// For `check-config` and the start-up log. Without passwords it parses back to an equal
    /// configuration, so it can also serve as a complete config file.
    public func effectiveSettings() -> String {
        var out = YAMLWriter()
        out.section("mqtt")
        out.field("url", quoted(redacted(url: mqtt.url)))
        out.field("client_id", quoted(mqtt.clientID))
        out.field("shared_group", quoted(mqtt.sharedGroup))
        out.field("keepalive_s", mqtt.keepaliveSeconds)
        out.field("protocol", mqtt.protocolVersion.rawValue)
        out.field("session_expiry_s", mqtt.sessionExpirySeconds)
        out.field("qos", mqtt.qos)
        out.field("reconnect_min_ms", mqtt.reconnectMinMilliseconds)
        out.field("reconnect_max_ms", mqtt.reconnectMaxMilliseconds)
        out.field("tls", "", indent: 1)
        out.field("ca_file", mqtt.tls.caFile.map(quoted) ?? "null", indent: 2)
        out.field("cert_file", mqtt.tls.certFile.map(quoted) ?? "null", indent: 2)
        out.field("key_file", mqtt.tls.keyFile.map(quoted) ?? "null", indent: 2)
        out.field("insecure", mqtt.tls.insecure, indent: 2)

        out.section("database")
        out.field("url", quoted(redacted(url: database.url)))
        out.field("writer_connections", database.writerConnections)
        out.field("connect_timeout_s", database.connectTimeoutSeconds)

        out.section("ingest")
        out.field("batch_size", ingest.batchSize)
        out.field("flush_interval_ms", ingest.flushIntervalMilliseconds)
        out.field("spool_dir", quoted(ingest.spoolDirectory))
        out.field("unknown_devices", ingest.unknownDevices.rawValue)
        out.field("max_payload_bytes", ingest.maxPayloadBytes)
        out.field("max_json_depth", ingest.maxJSONDepth)
        out.field("ring_capacity_mb", ingest.ringCapacityMegabytes)
        out.field("spool_max_mb", ingest.spoolMaxMegabytes)
        out.field("fsync_interval_ms", ingest.fsyncIntervalMilliseconds)

        out.section("partitions")
        out.field("interval", partitions.interval.rawValue)
        out.field("retention_days", partitions.retentionDays)
        out.field("premake", partitions.premake)

        out.section("presence")
        out.field("offline_after_s", presence.offlineAfterSeconds)
        out.field("sweep_interval_ms", presence.sweepIntervalMilliseconds)
        out.field("offline_alert_severity", presence.offlineAlertSeverity.rawValue)

        out.section("commands")
        out.field("ttl_s", commands.ttlSeconds)
        out.field("poll_interval_s", commands.pollIntervalSeconds)
        out.field("max_timeout_s", commands.maxTimeoutSeconds)
        out.field("max_max_retries", commands.maxMaxRetries)

        out.section("alerts")
        out.field("escalate_after_s", alerts.escalateAfterSeconds)
        out.field("max_escalation_level", alerts.maxEscalationLevel)
        out.field("rules", alerts.rules.isEmpty ? "[]" : "")
        for rule in alerts.rules {
            out.line("  - name: \(quoted(rule.name))")
            out.field("sensor", quoted(rule.sensor), indent: 2)
            if let above = rule.above { out.field("above", format(above), indent: 2) }
            if let below = rule.below { out.field("below", format(below), indent: 2) }
            out.field("hysteresis", format(rule.hysteresis), indent: 2)
            out.field("for_s", format(rule.forSeconds), indent: 2)
            out.field("severity", rule.severity.rawValue, indent: 2)
            out.field("auto_resolve", rule.autoResolve, indent: 2)
        }

        out.section("http")
        out.field("listen", quoted(http.listen))

        out.section("logging")
        out.field("level", logging.level.rawValue)
        return out.text
    }
}

/// Line-by-line YAML output with two-space indentation.
private struct YAMLWriter {
    var text = ""

    mutating func line(_ line: String) {
        text += line + "\n"
    }

    mutating func section(_ name: String) {
        line("\(name):")
    }

    mutating func field(_ key: String, _ value: some CustomStringConvertible, indent: Int = 1) {
        let rendered = value.description
        line(String(repeating: "  ", count: indent) + key + ":" + (rendered.isEmpty ? "" : " " + rendered))
    }
}

/// A YAML double-quoted scalar (JSON escaping is valid YAML).
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
