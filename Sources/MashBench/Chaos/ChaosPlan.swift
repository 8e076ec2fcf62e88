import Simulator

/// A fault `mash-bench chaos` injects.
enum ChaosFault: String, CaseIterable, Sendable {
    /// SIGKILL the gateway, start it again at once on the same spool and ring.
    case gatewayKill = "gateway SIGKILL"
    /// Stop mosquitto (it saves its persistence) and start it again on the same port.
    case brokerRestart = "broker restart"
    /// `pg_ctl stop -m immediate` (no checkpoint: crash recovery at the next start), then start.
    case databaseCrash = "PostgreSQL -m immediate"
    /// PostgreSQL away until the spool reaches its quota (`ingest.spool_max_mb`), held full, then back.
    case spoolFull = "spool quota full"
}

/// The seeded order of faults and the quiet gaps before them.
///
/// Faults come from a shuffled bag holding each kind once, so any stretch of four faults injects
/// every kind; the same seed gives the same sequence (the instants also depend on how long each
/// recovery takes, which the machine decides).
struct ChaosPlan: Sendable {
    /// The quiet time before a fault, after the previous one has recovered.
    let gap: ClosedRange<Int>
    private var random: SplitMix64
    private var bag: [ChaosFault] = []

    init(seed: UInt64, gapMilliseconds: ClosedRange<Int> = 1_000...3_000) {
        random = SplitMix64(seed: seed)
        gap = gapMilliseconds
    }

    /// The next fault and how long to wait before injecting it.
    mutating func next() -> (wait: Duration, fault: ChaosFault) {
        if bag.isEmpty { bag = ChaosFault.allCases.shuffled(using: &random) }
        let wait = Duration.milliseconds(Int.random(in: gap, using: &random))
        return (wait, bag.removeLast())
    }
}
