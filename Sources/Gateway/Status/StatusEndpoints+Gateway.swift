import Ingest
import Prometheus
import WallTime

extension StatusEndpoints {
    /// The endpoints over the gateway's live parts: health from the database gate, the ingest
    /// path's own view of its database, spool and lag, and the broker connection; readiness once
    /// the ingest path and the broker client have started; metrics from `registry`, with the
    /// scrape-time gauges refreshed first.
    static func gateway(
        database: Readiness, ingest: IngestService, broker: BrokerService, liveness: Liveness, registry: PrometheusCollectorRegistry
    ) -> StatusEndpoints {
        let scrapeGauges = ScrapeGauges()
        let pipeline = ingest.pipeline
        let ingestReady = ingest.ready
        return StatusEndpoints(
            health: {
                let snapshot = ingestReady.isReady ? pipeline.health : nil
                return HealthCheck(
                    databaseGateOpen: database.isReady,
                    ingest: snapshot.map {
                        HealthCheck.IngestSnapshot(
                            databaseProblem: $0.databaseProblem, spoolBytes: $0.spoolBytes, spoolMaxBytes: $0.spoolMaxBytes,
                            lagSeconds: $0.lagSeconds(now: WallInstant.now().microseconds))
                    },
                    brokerConnected: broker.publisher.isBrokerConnected(),
                    ingestSilence: liveness.silence
                ).problems
            },
            readiness: {
                if !database.isReady { return "waiting for PostgreSQL and the schema check" }
                if !ingestReady.isReady { return "the ingest path is starting" }
                if !broker.started.isReady { return "the broker connection is starting" }
                return nil
            },
            metrics: {
                scrapeGauges.refresh(ingest: ingestReady.isReady ? pipeline.health : nil)
                var buffer = [UInt8]()
                buffer.reserveCapacity(16 * 1024)
                registry.emit(into: &buffer)
                return buffer
            })
    }
}
