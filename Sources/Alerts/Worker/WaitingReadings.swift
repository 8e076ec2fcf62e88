import Metrics

/// Stored readings waiting to be judged, oldest first, bounded by a count of readings.
///
/// Readings reach the alert worker only once they are stored, so they must not be lost because the
/// alert connection is away for a moment (it reconnects on its own schedule, often after the
/// writers). Beyond `limit` readings the oldest messages are dropped whole, counted in
/// `mash_alert_readings_dropped_total`; memory stays bounded during a long outage of the alert
/// connection alone.
struct WaitingReadings {
    let limit: Int
    private var messages: [[AlertReading]] = []
    private var head = 0
    private(set) var count = 0
    private let dropped = Counter(label: "mash_alert_readings_dropped_total")

    init(limit: Int) {
        self.limit = limit
    }

    var isEmpty: Bool { head == messages.count }
    var first: [AlertReading]? { isEmpty ? nil : messages[head] }

    /// Adds one message's readings; returns how many readings were dropped to stay within `limit`.
    mutating func append(_ readings: [AlertReading]) -> Int {
        guard !readings.isEmpty else { return 0 }
        messages.append(readings)
        count += readings.count
        var droppedNow = 0
        while count > limit, !isEmpty {
            droppedNow += messages[head].count
            removeFirst()
        }
        if droppedNow > 0 { dropped.increment(by: droppedNow) }
        return droppedNow
    }

    mutating func removeFirst() {
        count -= messages[head].count
        messages[head] = []
        head += 1
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > messages.count {
            messages.removeFirst(head)
            head = 0
        }
    }
}
