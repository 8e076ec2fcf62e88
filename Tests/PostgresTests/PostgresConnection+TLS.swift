import Postgres
import Testing
import TestSupport

@Suite("PostgresConnection over TLS", .timeLimit(.minutes(2)))
struct PostgresConnectionTLSTests {
    /// `sslmode=verify-full` against a server whose certificate our CA signed for 127.0.0.1: the
    /// session is encrypted; with another CA the connection is refused with the reason.
    @Test func verifyFullWithThePrivateCAConnectsAndAnotherCAIsRefused() async throws {
        let certs = try TestCertificates.make()
        let postgres = try await TestPostgres.start()
        defer { Task { await postgres.stop() } }
        try await postgres.enableTLS(certs)
        let database = try await postgres.createDatabase()

        let connection = try PostgresConnection.connect(database + "?sslmode=verify-full&sslrootcert=\(certs.ca)")
        defer { connection.close() }
        let row = try connection.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows[0]
        #expect(row[0] == "t")
        #expect(row[1]?.hasPrefix("TLSv1.") == true, "\(row)")

        let stranger = try TestCertificates.make()
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(database + "?sslmode=verify-full&sslrootcert=\(stranger.ca)")
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("certificate verify failed"), "\(error)")
        #expect(!error.description.contains("mash-test"))
    }
}
