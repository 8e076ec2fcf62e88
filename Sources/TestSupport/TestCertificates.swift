import Foundation

/// A throwaway certificate authority with a server and a client certificate, made with the openssl tool.
///
/// The server certificate names `127.0.0.1` (IP) and `localhost` (DNS), so `sslmode=verify-full`
/// and MQTT host name checks pass against loopback; the client certificate's CN is `clientName`.
/// Files are PEM in `directory`, readable by everyone (keys included: they protect nothing).
public struct TestCertificates: Sendable {
    public let directory: String
    public let ca: String
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String

    public static func make(clientName: String = "mash-gateway") throws -> TestCertificates {
        let dir = try Harness.makeDirectory("tls")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(dir)/server.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: "\(dir)/client.ext", atomically: true, encoding: .utf8)
        func sign(_ name: String, subject: String) -> [[String]] {
            [
                ["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr"],
                ["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
                 "-days", "1", "-out", "\(dir)/\(name).crt", "-extfile", "\(dir)/\(name).ext"],
            ]
        }
        let steps = [["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mash-test-ca",
                      "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.crt"]]
            + sign("server", subject: "/CN=127.0.0.1") + sign("client", subject: "/CN=\(clientName)")
        for step in steps {
            let result = try runCommand("/usr/bin/openssl", step)
            guard result.status == 0 else { throw TestSupportError("openssl \(step[0]) failed: \(result.output)") }
        }
        for file in ["ca.crt", "server.crt", "server.key", "client.crt", "client.key"] { chmod("\(dir)/\(file)", 0o644) }
        return TestCertificates(
            directory: dir, ca: "\(dir)/ca.crt", serverCertificate: "\(dir)/server.crt", serverKey: "\(dir)/server.key",
            clientCertificate: "\(dir)/client.crt", clientKey: "\(dir)/client.key")
    }

    /// mosquitto lines for a TLS listener on `port` that requires a client certificate signed by this CA.
    public func mosquittoListener(port: Int, requireClientCertificate: Bool = true) -> String {
        """
        listener \(port) 127.0.0.1
        cafile \(ca)
        certfile \(serverCertificate)
        keyfile \(serverKey)
        require_certificate \(requireClientCertificate)
        """
    }
}

extension TestPostgres {
    /// Turns TLS on with `certificates`' server certificate (reloaded, no restart); plain TCP stays allowed.
    public func enableTLS(_ certificates: TestCertificates) async throws {
        // PostgreSQL refuses a key file that others can read or that is not its own.
        for (source, name) in [(certificates.serverCertificate, "server.crt"), (certificates.serverKey, "server.key")] {
            let target = "\(dataDirectory)/\(name)"
            let arguments = Harness.isRoot ? ["-o", Harness.serviceUser, "-m", "600", source, target] : ["-m", "600", source, target]
            let result = try runCommand("/usr/bin/install", arguments)
            guard result.status == 0 else { throw TestSupportError("install \(name) failed: \(result.output)") }
        }
        _ = try psql("ALTER SYSTEM SET ssl = on", database: "postgres")
        _ = try psql("SELECT pg_reload_conf()", database: "postgres")
        try await waitUntil("PostgreSQL to take ssl = on", every: .milliseconds(50)) {
            try psql("SHOW ssl", database: "postgres") == "on"
        }
    }
}
