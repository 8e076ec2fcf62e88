import Foundation
import Testing
import TestSupport

@Suite("TLS end to end (black box)", .timeLimit(.minutes(2)))
struct TLSEndToEndTests {
    /// The gateway's two connections both under TLS with a private CA: to mosquitto with a client
    /// certificate the broker requires, and to PostgreSQL with `sslmode=verify-full`.
    @Test("mutual TLS to the broker, verify-full to PostgreSQL: a reading goes through, every session encrypted")
    func mutualTLSBrokerAndVerifyFullDatabase() async throws {
        let certs = try TestCertificates.make(clientName: "mash-gateway-tls")
        let postgres = try await TestPostgres.start()
        defer { Task { await postgres.stop() } }
        try await postgres.enableTLS(certs)
        let direct = try await postgres.migratedDatabase()
        let name = String(direct.split(separator: "/").last!)
        _ = try postgres.psql("INSERT INTO devices (name, device_type, serial_number) VALUES ('Kitchen sensor', 'esp32', 'sn-kitchen')", database: name)
        let tlsPort = try freeLoopbackPort()
        let broker = try await TestBroker.start(extraConfig: certs.mosquittoListener(port: tlsPort))
        try await waitUntil("the TLS listener") { isListening(port: tlsPort) }

        let config = try testGatewayConfig(
            mqttURL: "mqtts://127.0.0.1:\(tlsPort)", databaseURL: direct + "?sslmode=verify-full&sslrootcert=\(certs.ca)")
            .replacingOccurrences(of: "mqtt:\n", with: """
                mqtt:
                  tls:
                    ca_file: \(certs.ca)
                    cert_file: \(certs.clientCertificate)
                    key_file: \(certs.clientKey)

                """)
        let check = try GatewayBinary.run(["check-config", "--config", try writeConfig(config)])
        #expect(check.status == 0, "\(check.output)")
        let gateway = try GatewayProcess.start(config: config)
        do {
            try await gateway.waitForLog("connected to broker")
            let device = try await MQTTProbe.connect(broker.url)  // devices use the plain listener
            defer { device.close() }
            try device.publish("devices/sn-kitchen/telemetry", #"{"temperature":21.5,"humidity":40}"#)
            try await waitUntil("the readings stored; gateway log:\n\(gateway.log.suffix(2000))") {
                try postgres.psql("SELECT count(*) FROM sensor_readings", database: name) == "2"
            }
            let sessions = try postgres.psql("""
                SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
                FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                WHERE a.datname = '\(name)' AND a.application_name LIKE 'mash-gateway%'
                """, database: "postgres").split(separator: "\t")
            #expect(Int(sessions[0]) ?? 0 >= 3, "gateway sessions over TLS: \(sessions)")
            #expect(sessions[1] == "0", "gateway sessions without TLS: \(sessions)")
            #expect(await gateway.terminate() == 0)
        } catch {
            await gateway.kill()
            throw error
        }
        await broker.stop()
    }

    private func writeConfig(_ text: String) throws -> String {
        let path = try Harness.makeDirectory("cli") + "/gateway.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
