import Gateway
import Testing

@Suite("HealthCheck: the reasons /healthz gives")
struct HealthCheckVerdictTests {
    static let healthyIngest = HealthCheck.IngestSnapshot(databaseProblem: nil, spoolBytes: 0, spoolMaxBytes: 100 << 20, lagSeconds: 0.2)

    static func check(
        gate: Bool = true, ingest: HealthCheck.IngestSnapshot? = healthyIngest, broker: Bool = true, silence: Duration = .milliseconds(50)
    ) -> [String] {
        HealthCheck(databaseGateOpen: gate, ingest: ingest, brokerConnected: broker, ingestSilence: silence).problems
    }

    @Test func allWellIsNoProblem() {
        #expect(Self.check().isEmpty)
    }

    @Test func beforeTheSchemaCheckTheDatabaseIsNotReady() {
        #expect(Self.check(gate: false, ingest: nil, broker: false) == [
            "database: not ready (waiting for PostgreSQL or the schema check)", "mqtt: not connected to the broker",
        ])
    }

    @Test func theWritersDatabaseProblemIsPassedOn() {
        var ingest = Self.healthyIngest
        ingest.databaseProblem = "unreachable since 2026-01-01T00:00:00Z: connection refused"
        #expect(Self.check(ingest: ingest) == ["database: unreachable since 2026-01-01T00:00:00Z: connection refused"])
    }

    @Test func aSpoolAbove90PercentIsAProblemAt90ItIsNot() {
        var ingest = Self.healthyIngest
        ingest.spoolBytes = 90 << 20
        #expect(Self.check(ingest: ingest).isEmpty)
        ingest.spoolBytes = (95 << 20)
        #expect(Self.check(ingest: ingest) == ["spool: 95 % full (95 of 100 MiB); when it is full the broker has to hold further messages"])
    }

    @Test func aSilentConsumerIsAProblemOnlyOnceIngestRuns() {
        #expect(Self.check(silence: .seconds(11)) == ["ingest: the consumer has made no progress for 11 s"])
        #expect(Self.check(silence: .seconds(10)).isEmpty)
        #expect(Self.check(ingest: nil, silence: .seconds(11)).isEmpty)
    }

    @Test func readingsWaitingOverAMinuteAreAProblem() {
        var ingest = Self.healthyIngest
        ingest.lagSeconds = 60
        #expect(Self.check(ingest: ingest).isEmpty)
        ingest.lagSeconds = 75.4
        #expect(Self.check(ingest: ingest) == ["ingest: the oldest reading not yet in PostgreSQL was received 75 s ago"])
    }
}
