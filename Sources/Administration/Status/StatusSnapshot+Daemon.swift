extension StatusSnapshot.Daemon {
    /// Asks the daemon's `/metrics` at `host:port` for its ring and spool backlog.
    ///
    /// A wildcard bind address (`0.0.0.0`, `::`, empty) is asked on loopback. Never throws: a daemon
    /// that does not answer is a fact to show, with the reason.
    public static func scrape(host: String, port: Int, timeoutMilliseconds: Int = 2000) -> Self {
        let target = ["", "0.0.0.0", "::", "*"].contains(host) ? "127.0.0.1" : host
        var daemon = Self(address: host.contains(":") ? "[\(target)]:\(port)" : "\(target):\(port)")
        do {
            let metrics = PrometheusText(try MetricsScrape.get(host: target, port: port, timeoutMilliseconds: timeoutMilliseconds))
            daemon.answering = true
            daemon.ringDepthMessages = metrics["mash_ring_depth_messages"]
            daemon.ringUsedBytes = metrics["mash_ring_used_bytes"]
            daemon.spoolBatches = metrics["mash_spool_batches"]
            daemon.spoolBytes = metrics["mash_spool_bytes"]
        } catch {
            daemon.problem = error.description
        }
        return daemon
    }
}
