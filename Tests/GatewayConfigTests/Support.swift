import Foundation
@testable import GatewayConfig

/// Parses YAML and returns the problems (empty when it is valid).
func problems(_ yaml: String, environment: [String: String] = [:]) -> [ConfigurationProblem] {
    do {
        _ = try GatewayConfiguration.parse(yaml: yaml, environment: environment)
        return []
    } catch {
        return error.problems
    }
}

/// The repository's `Config/` directory, found from this file's path.
func configDirectory(_ file: String = #filePath) -> URL {
    URL(fileURLWithPath: file)
        .deletingLastPathComponent()  // GatewayConfigTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
        .appendingPathComponent("Config")
}

/// A YAML with every key of CONTRACT §2 set to a non-default value, plus the gateway's own keys.
let everyKeyYAML = """
mqtt:
  url: mqtts://gw:s3cret@broker.example:8884
  password_file: /etc/passwd
  client_id: gw-7
  shared_group: mash
  keepalive_s: 45
  protocol: v311
  session_expiry_s: 3600
  qos: 2
  reconnect_min_ms: 250
  reconnect_max_ms: 10000
  tls:
    ca_file: /etc/ssl/ca.pem
    cert_file: /etc/ssl/gw.pem
    key_file: /etc/ssl/gw.key
    insecure: true
database:
  url: postgres://user@db.example:6432/mash
  password_file: /etc/passwd
  listen_url: postgres://user@db.example:5432/mash
  writer_connections: 3
  connect_timeout_s: 9
ingest:
  batch_size: 1000
  flush_interval_ms: 50
  flush_when_writer_free: false
  spool_dir: /tmp/spool
  unknown_devices: register
  max_payload_bytes: 4096
  max_json_depth: 8
  ring_capacity_mb: 32
  spool_max_mb: 10
  fsync_interval_ms: 0
  rejects_retention_days: 7
  reject_payload_bytes_per_device_hour: 4096
  conventions: [Native, tasmota]
partitions:
  interval: week
  retention_days: 30
  premake: 5
presence:
  offline_after_s: 5
  sweep_interval_ms: 100
  offline_alert_severity: high
commands:
  ttl_s: 600
  poll_interval_s: 1
  max_timeout_s: 120
  max_retries_limit: 4
alerts:
  escalate_after_s: 60
  max_escalation_level: 5
  rules:
    - name: hot
      sensor: temperature
      above: 80
      hysteresis: 2
      for_s: 0
      severity: high
      auto_resolve: true
    - name: band
      sensor: humidity
      above: 70.5
      below: 20
      hysteresis: 1.5
      for_s: 30
      severity: critical
      auto_resolve: false
http:
  listen: 0.0.0.0:9200
logging:
  level: debug
outbox:
  max_age_hours: 48
  max_entries: 5000
"""
