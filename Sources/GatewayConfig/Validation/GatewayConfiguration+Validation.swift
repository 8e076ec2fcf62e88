/// Semantic checks: ranges, URLs, cross-field rules. Types were checked while reading.
extension GatewayConfiguration {
    /// Every problem of this configuration (empty when valid), keyed by YAML path.
    ///
    /// `parse` and `load` call this; call it yourself for a configuration built in code.
    public func validate() -> [ConfigurationProblem] {
        var check = Checks()
        validateMQTT(&check)
        validateDatabase(&check)

        check.range("ingest.batch_size", ingest.batchSize, 1...100_000)
        check.range("ingest.flush_interval_ms", ingest.flushIntervalMilliseconds, 1...60_000)
        check.path("ingest.spool_dir", ingest.spoolDirectory)
        check.range("ingest.max_payload_bytes", ingest.maxPayloadBytes, 1...268_435_455)
        check.range("ingest.max_json_depth", ingest.maxJSONDepth, 1...1024)
        check.range("ingest.ring_capacity_mb", ingest.ringCapacityMegabytes, 1...65_536)
        check.range("ingest.spool_max_mb", ingest.spoolMaxMegabytes, 1...16_777_216)
        check.range("ingest.fsync_interval_ms", ingest.fsyncIntervalMilliseconds, 0...60_000)
        if (1...65_536).contains(ingest.ringCapacityMegabytes), (1...268_435_455).contains(ingest.maxPayloadBytes),
           ingest.ringCapacityMegabytes * 1_048_576 < 2 * ingest.maxPayloadBytes {
            check.add(.conflict, "ingest.ring_capacity_mb",
                      "\(ingest.ringCapacityMegabytes) MiB cannot hold two messages of max_payload_bytes (\(ingest.maxPayloadBytes)); raise it or lower ingest.max_payload_bytes")
        }

        check.range("partitions.retention_days", partitions.retentionDays, 1...36_500)
        check.range("partitions.premake", partitions.premake, 1...366)

        check.range("presence.offline_after_s", presence.offlineAfterSeconds, 1...2_592_000)
        check.range("presence.sweep_interval_ms", presence.sweepIntervalMilliseconds, 10...60_000)

        check.range("commands.ttl_s", commands.ttlSeconds, 1...31_536_000)
        check.range("commands.poll_interval_s", commands.pollIntervalSeconds, 1...3600)
        check.range("commands.max_timeout_s", commands.maxTimeoutSeconds, 1...86_400)
        check.range("commands.max_max_retries", commands.maxMaxRetries, 0...1000)

        check.range("alerts.escalate_after_s", alerts.escalateAfterSeconds, 1...31_536_000)
        check.range("alerts.max_escalation_level", alerts.maxEscalationLevel, 1...100)
        for (index, rule) in alerts.rules.enumerated() {
            if let first = alerts.rules.firstIndex(where: { $0.name == rule.name }), first < index {
                check.add(.conflict, "alerts.rules[\(index)].name",
                          "\"\(rule.name)\" is already used by alerts.rules[\(first)]; rule names must be unique")
            }
        }

        if !http.listen.isEmpty, case .failure(let error) = ListenAddress.parse(http.listen) {
            check.problems += error.problems
        }
        return check.problems
    }

    private func validateMQTT(_ check: inout Checks) {
        let endpoint: MQTTEndpoint?
        switch MQTTEndpoint.parse(mqtt.url, key: "mqtt.url") {
        case .success(let parsed): endpoint = parsed
        case .failure(let error):
            endpoint = nil
            check.problems += error.problems
        }
        if mqtt.clientID.isEmpty {
            check.add(.notAllowed, "mqtt.client_id", "is empty; give a name unique to this instance, e.g. mash-gateway-1")
        } else if mqtt.clientID.utf8.count > 65_535 {
            check.add(.outOfRange, "mqtt.client_id", "is too long; use at most 65535 bytes")
        } else if mqtt.clientID.contains(where: { "/+#\u{0}".contains($0) }) {
            check.add(.notAllowed, "mqtt.client_id",
                      "\"\(mqtt.clientID)\" must not contain /, + or #: it is part of the topic gateway/<client_id>/status")
        }
        if mqtt.sharedGroup.contains(where: { "/+#\u{0}".contains($0) }) {
            check.add(.notAllowed, "mqtt.shared_group",
                      "\"\(mqtt.sharedGroup)\" must not contain /, + or #: it is a topic level of $share/<group>/…")
        }
        check.range("mqtt.keepalive_s", mqtt.keepaliveSeconds, 5...65_535)
        check.range("mqtt.session_expiry_s", mqtt.sessionExpirySeconds, 0...4_294_967_295)
        if !(0...2).contains(mqtt.qos) {
            check.add(.notAllowed, "mqtt.qos", "\(mqtt.qos) is not allowed; use 0, 1 or 2")
        }
        check.range("mqtt.reconnect_min_ms", mqtt.reconnectMinMilliseconds, 1...3_600_000)
        check.range("mqtt.reconnect_max_ms", mqtt.reconnectMaxMilliseconds, 1...3_600_000)
        if mqtt.reconnectMaxMilliseconds < mqtt.reconnectMinMilliseconds, mqtt.reconnectMaxMilliseconds >= 1 {
            check.add(.conflict, "mqtt.reconnect_max_ms",
                      "\(mqtt.reconnectMaxMilliseconds) is below mqtt.reconnect_min_ms (\(mqtt.reconnectMinMilliseconds)); use at least that")
        }
        let tls = mqtt.tls
        for (key, file) in [("ca_file", tls.caFile), ("cert_file", tls.certFile), ("key_file", tls.keyFile)] {
            if let file { check.path("mqtt.tls.\(key)", file) }
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            let missing = tls.certFile == nil ? "cert_file" : "key_file"
            check.add(.conflict, "mqtt.tls.\(missing)", "is required when mqtt.tls.\(missing == "cert_file" ? "key_file" : "cert_file") is set; a client certificate needs both")
        }
        if let endpoint, !endpoint.usesTLS {
            for (key, isSet) in [("ca_file", tls.caFile != nil), ("cert_file", tls.certFile != nil),
                                 ("key_file", tls.keyFile != nil), ("insecure", tls.insecure)] where isSet {
                check.add(.conflict, "mqtt.tls.\(key)", "only applies to mqtts:// URLs; change mqtt.url to mqtts://… or remove it")
            }
        }
    }

    private func validateDatabase(_ check: inout Checks) {
        let example = "postgres://user@host:5432/dbname"
        switch URLParts.parse(database.url) {
        case .failure(let failure):
            check.problems.append(urlProblem(failure, url: database.url, key: "database.url", example: example))
        case .success(let parts):
            if parts.scheme != "postgres", parts.scheme != "postgresql" {
                check.add(.invalidURL, "database.url",
                          "scheme \"\(parts.scheme)\" is not allowed in \"\(redacted(url: database.url))\"; use postgres or postgresql")
            }
        }
        check.range("database.writer_connections", database.writerConnections, 1...64)
        check.range("database.connect_timeout_s", database.connectTimeoutSeconds, 1...3600)
    }
}

/// Accumulates problems with uniform wording.
private struct Checks {
    var problems: [ConfigurationProblem] = []

    mutating func add(_ code: ConfigurationProblem.Code, _ key: String, _ message: String) {
        problems.append(ConfigurationProblem(code: code, key: key, message: message))
    }

    mutating func range(_ key: String, _ value: Int, _ allowed: ClosedRange<Int>) {
        if !allowed.contains(value) {
            add(.outOfRange, key, "\(value) is out of range; use \(allowed.lowerBound)...\(allowed.upperBound)")
        }
    }

    mutating func path(_ key: String, _ value: String) {
        if value.isEmpty {
            add(.notAllowed, key, "is empty; give a path")
        } else if value.contains("\u{0}") {
            add(.notAllowed, key, "contains a NUL character; give a plain path")
        }
    }
}
