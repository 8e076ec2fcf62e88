import GatewayConfig
import Ingest
import Metrics
import WallTime

/// Gauges whose value is read when `/metrics` is scraped rather than pushed as things happen:
/// the ingest lag, the spool's bound, the process's memory and descriptors, and the build's version.
///
/// Reading them at scrape time means they are current even when the part that owns them is
/// idle or wedged (a wedged consumer cannot push its own lag).
final class ScrapeGauges: Sendable {
    private let lag = Gauge(label: "mash_ingest_lag_seconds")
    private let spoolMax = Gauge(label: "mash_spool_max_bytes")
    private let resident = Gauge(label: "mash_process_resident_memory_bytes")
    private let descriptors = Gauge(label: "mash_process_open_fds")

    init() {
        Gauge(label: "mash_gateway_build_info", dimensions: [("version", GatewayVersion.current)]).record(1)
        lag.record(0)
    }

    func refresh(ingest: IngestHealth?) {
        if let ingest {
            lag.record(ingest.lagSeconds(now: WallInstant.now().microseconds))
            spoolMax.record(ingest.spoolMaxBytes)
        }
        let process = ProcessStats.read()
        if let bytes = process.residentBytes { resident.record(bytes) }
        if let count = process.openFileDescriptors { descriptors.record(count) }
    }
}
