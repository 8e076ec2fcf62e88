/// How many payload bytes of rejected messages each device may have stored per hour.
///
/// One broken device repeating a bad message must not fill the disk with copies of it: within
/// one clock hour (UTC, by the message's receive time, so a replay after a crash decides the
/// same way), a device's reject payloads are stored until their sizes reach the budget; beyond it
/// the reject row is still written, with its reason and detail, but without the payload.
/// A payload is stored whole or not at all (no half-evidence).
///
/// "Device" is the topic's first two levels (`devices/<key>`, `tele/<key>`, `<key>/sensor`):
/// the sender as the topic names it, known even when no `devices` row matches. At most
/// `maxTrackedSenders` senders are told apart per hour; any further ones share one budget, which
/// bounds the memory a flood of invented keys can take.
struct RejectPayloadBudget {
    enum Decision: Equatable {
        case store
        /// The payload is left out; `bytes` were cut.
        case omit(bytes: Int)
    }

    let bytesPerHour: Int
    let maxTrackedSenders: Int
    private var hour: Int64 = .min
    private var used: [String: Int] = [:]
    private var overflowUsed = 0

    init(bytesPerHour: Int, maxTrackedSenders: Int = 100_000) {
        self.bytesPerHour = bytesPerHour
        self.maxTrackedSenders = maxTrackedSenders
    }

    /// Whether a reject payload of `bytes` from the sender of `topic`, received at `receivedAtMicros`, is stored.
    mutating func admit(topic: UnsafeRawBufferPointer, bytes: Int, receivedAtMicros: Int64) -> Decision {
        if bytes == 0 { return .store }
        let recordHour = receivedAtMicros >= 0 ? receivedAtMicros / 3_600_000_000 : (receivedAtMicros + 1) / 3_600_000_000 - 1
        if recordHour != hour {
            // Another hour (the next one, or an earlier one replayed after a crash) starts afresh.
            hour = recordHour
            used.removeAll(keepingCapacity: true)
            overflowUsed = 0
        }
        let sender = Self.sender(of: topic)
        let spent: Int
        if let known = used[sender] {
            spent = known
        } else if used.count < maxTrackedSenders {
            spent = 0
        } else {
            guard overflowUsed + bytes <= bytesPerHour else { return .omit(bytes: bytes) }
            overflowUsed += bytes
            return .store
        }
        guard spent + bytes <= bytesPerHour else {
            if used[sender] == nil { used[sender] = 0 }
            return .omit(bytes: bytes)
        }
        used[sender] = spent + bytes
        return .store
    }

    /// The topic up to (not including) its second `/`, or the whole topic when it has fewer levels.
    static func sender(of topic: UnsafeRawBufferPointer) -> String {
        var slashes = 0
        var end = topic.count
        for (index, byte) in topic.enumerated() where byte == UInt8(ascii: "/") {
            slashes += 1
            if slashes == 2 {
                end = index
                break
            }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: topic[0..<end]), as: UTF8.self)
    }
}
