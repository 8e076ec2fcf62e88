import Foundation
import Testing
import TestSupport

/// `check-config` on the connection settings of CONTRACT §6 and §8: several database hosts, a
/// direct listen URL, TLS files and modes. Problems exit 78 with one line each, naming the key.
@Suite("check-config: connections, failover and TLS files")
struct CheckConfigConnectionTests {
    private func checkConfig(_ yaml: String) throws -> (status: Int32, output: String) {
        let directory = try Harness.makeDirectory("cli")
        let path = "\(directory)/gateway.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try GatewayBinary.run(["check-config", "--config", path])
    }

    @Test("a primary and a standby with target_session_attrs=read-write, and a direct listen_url, pass; passwords masked")
    func multiHostURLPasses() throws {
        let result = try checkConfig("""
            database:
              url: postgres://mash:s3cret-pw@10.0.0.1:6432,10.0.0.2:6432/mash?target_session_attrs=read-write
              listen_url: postgres://mash:s3cret-pw@10.0.0.1:5432/mash
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("10.0.0.2:6432"))
        #expect(result.output.contains("listen_url"))
        #expect(!result.output.contains("s3cret-pw"))
    }

    @Test("several hosts without target_session_attrs, a bad sslmode: one line each, exit 78")
    func badDatabaseOptions() throws {
        let result = try checkConfig("""
            database:
              url: postgres://mash@10.0.0.1,10.0.0.2/mash
              listen_url: postgres://mash@10.0.0.1/mash?sslmode=verify_full
            """)
        #expect(result.status == 78)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2, "\(result.output)")
        #expect(lines.contains { $0.contains("database.url") && $0.contains("target_session_attrs=read-write") })
        #expect(lines.contains { $0.contains("database.listen_url") && $0.contains("sslmode=verify_full") && $0.contains("verify-full") })
    }

    @Test("missing certificate files: the MQTT CA and client certificate, the database's sslrootcert; verify-full without a CA")
    func missingCertificateFiles() throws {
        let directory = try Harness.makeDirectory("cli-tls")
        try "not really a key".write(toFile: "\(directory)/client.key", atomically: true, encoding: .utf8)
        let result = try checkConfig("""
            mqtt:
              url: mqtts://broker.example:8883
              tls:
                ca_file: \(directory)/missing-ca.crt
                cert_file: \(directory)/missing-client.crt
                key_file: \(directory)/client.key
            database:
              url: postgres://mash@db.example/mash?sslmode=verify-full&sslrootcert=\(directory)/missing-db-ca.crt
              listen_url: postgres://mash@db.example:5432/mash?sslmode=verify-ca
            """)
        #expect(result.status == 78)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 4, "\(result.output)")
        #expect(lines.contains { $0.contains("mqtt.tls.ca_file") && $0.contains("missing-ca.crt does not exist") })
        #expect(lines.contains { $0.contains("mqtt.tls.cert_file") && $0.contains("missing-client.crt does not exist") })
        #expect(lines.contains { $0.contains("database.url") && $0.contains("sslrootcert=\(directory)/missing-db-ca.crt does not exist") })
        #expect(lines.contains { $0.contains("database.listen_url") && $0.contains("add sslrootcert=") })
    }
}
