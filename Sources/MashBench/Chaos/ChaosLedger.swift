import Synchronization

/// One reading as the fleet published it: which device, which sensor, its own timestamp.
///
/// The gateway stores a reading once per (device, sensor, timestamp), so this is also how a stored
/// row is matched to what was published.
struct ChaosReading: Hashable, Sendable {
    let device: Int
    let sensor: Int
    let millis: Int64
}

/// What the publishers know for certain: every reading the broker acknowledged (PUBACK received)
/// and every command inserted, with what the simulated devices saw of each command.
///
/// A message counts only once its PUBACK arrives: a publish that never got one may or may not have
/// reached the broker, so it can be neither lost nor expected. Thread-safe: the MQTT loop threads
/// record acknowledgements and deliveries while the fleet's thread records publishes.
final class ChaosLedger: Sendable {
    private struct State {
        /// Sent, not yet acknowledged, by message id. A message id is reused only after 65,535 later
        /// publishes, long after the broker answered or dropped the earlier one.
        var unacknowledged: [Int32: [ChaosReading]] = [:]
        var acknowledged: [ChaosReading] = []
        var published = 0
        var commands: [String: CommandRecord] = [:]
    }

    /// A command the bench inserted, and every publish of it a simulated device received.
    struct CommandRecord: Sendable {
        var device = -1
        var expectedStatus = ""
        var deliveries = 0
        /// The `attempt` of each delivery, in arrival order.
        var attempts: [Int] = []
    }

    private let state = Mutex(State())

    /// Publishes `readings` with `publish` (which returns the message id) and records them as sent.
    ///
    /// The ledger's lock is held across the publish, so the PUBACK (on the MQTT loop thread, which
    /// waits for the lock) always finds its message id recorded. libmosquitto's publish neither
    /// blocks on the network nor takes the lock its callbacks run under, so this cannot deadlock.
    func publish(_ readings: [ChaosReading], with publish: () throws -> Int32) rethrows {
        try state.withLock { state in
            let messageID = try publish()
            state.published += readings.count
            state.unacknowledged[messageID] = readings
        }
    }

    /// The broker's PUBACK for `messageID`; ids the ledger did not send are ignored.
    func acknowledged(messageID: Int32) {
        state.withLock { state in
            if let readings = state.unacknowledged.removeValue(forKey: messageID) {
                state.acknowledged.append(contentsOf: readings)
            }
        }
    }

    func commandInserted(id: String, device: Int, expectedStatus: String) {
        state.withLock { state in
            // The first delivery may have been recorded already (the gateway sends within a second).
            state.commands[id, default: CommandRecord()].device = device
            state.commands[id, default: CommandRecord()].expectedStatus = expectedStatus
        }
    }

    /// A publish on `devices/{device}/commands/{id}` reached a simulated device.
    func commandDelivered(id: String, attempt: Int) {
        state.withLock { state in
            state.commands[id, default: CommandRecord()].deliveries += 1
            state.commands[id, default: CommandRecord()].attempts.append(attempt)
        }
    }

    var publishedCount: Int { state.withLock { $0.published } }
    var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }
    var unacknowledgedCount: Int { state.withLock { $0.unacknowledged.values.reduce(0) { $0 + $1.count } } }
    var acknowledgedReadings: [ChaosReading] { state.withLock { $0.acknowledged } }
    var commands: [String: CommandRecord] { state.withLock { $0.commands } }
}
