#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Presence
import Testing
import TestSupport

/// Memory and sweep cost for 100,000 devices. Prints numbers, asserts no timing; runs only with
/// MASH_PRESENCE_MEASURE=1 (use a release build: `swift test -c release --filter PresenceMeasurements`).
@Suite("PresenceMeasurements", .enabled(if: ProcessInfo.processInfo.environment["MASH_PRESENCE_MEASURE"] == "1"))
struct PresenceMeasurements {
    static let devices = 100_000

    /// Resident set size from /proc/self/statm (pages touched; what the 32 MiB target is about).
    static func heapInUse() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    static func ids(_ count: Int) -> [PresenceDeviceID] {
        (0..<count).map { PresenceDeviceID(high: 0x0123_4567_89AB_4000 | UInt64($0), low: 0x8000_0000_0000_0000 | UInt64($0) &* 2_654_435_761) }
    }

    @Test func memoryAndSweepFor100kDevices() {
        let ids = Self.ids(Self.devices)
        let before = Self.heapInUse()
        var machine = PresenceMachine(defaultOfflineAfter: .seconds(90), startedAt: t(0))
        var directory = PresenceDirectory()
        for (n, id) in ids.enumerated() {
            let (device, _) = machine.restore(RestoredPresence(
                isOnline: n % 2 == 0, lastSeen: t(-10), uptimeMicroseconds: 1, downtimeMicroseconds: 1,
                offlineAfterSeconds: n % 10 == 0 ? 30 : nil
            ))
            directory.insert(id, as: device)
        }
        // Everyone talks once (all online), then flush bookkeeping is cleared.
        for n in 0..<Self.devices { _ = machine.messageSeen(PresenceDevice(index: Int32(n)), at: t(1, us: Int64(n))) }
        let after = Self.heapInUse()
        _ = machine.takeChanges(now: t(2))
        print("presence memory, \(Self.devices) devices: RSS +\(after - before) bytes (\((after - before) / Self.devices) B/device); machine columns \(machine.approximateMemoryBytes) bytes, directory \(directory.approximateMemoryBytes) bytes")

        let clock = ContinuousClock()
        var quiet = Duration.zero
        for _ in 0..<20 {
            var copy = machine
            let elapsed = clock.measure { _ = copy.sweep(now: t(20)) }
            quiet = quiet == .zero ? elapsed : min(quiet, elapsed)
        }
        var busy = Duration.zero
        var wentOffline = 0
        for _ in 0..<5 {
            var copy = machine
            var actions: [PresenceAction] = []
            let elapsed = clock.measure { actions = copy.sweep(now: t(40)) }   // the 10% with a 30 s limit go offline
            wentOffline = actions.count / 2
            busy = busy == .zero ? elapsed : min(busy, elapsed)
        }
        print("presence sweep, \(Self.devices) devices: none due \(quiet), \(wentOffline) going offline \(busy)")

        var copy = machine
        let messages = 1_000_000
        let elapsed = clock.measure {
            for n in 0..<messages {
                let id = ids[n % Self.devices]
                let device = directory.device(for: id)!
                _ = copy.messageSeen(device, at: t(3, us: Int64(n)))
            }
        }
        print("presence record: \(messages) messages (id lookup + event) in \(elapsed), \(elapsed / messages) each")
        let take = clock.measure { _ = copy.takeChanges(now: t(10)) }
        print("presence takeChanges: \(Self.devices) rows in \(take)")
    }

    @Test func flushOf100kChangedDevices() async throws {
        let (db, ids) = try await databaseWithDevices(Self.devices)
        defer { db.close() }
        let clock = ContinuousClock()
        var tracker: PresenceTracker?
        let load = try clock.measure { tracker = try makeTracker(db, startedAt: t(0)) }
        let presence = try #require(tracker)
        print("presence load of \(Self.devices) devices: \(load)")
        for (n, id) in ids.enumerated() { presence.record(.message, device: id, at: t(1, us: Int64(n))) }
        var result = PresenceFlushResult()
        let flush = try clock.measure { result = try presence.flush(now: t(2)) }
        print("presence flush: \(result.rowsWritten) rows, \(result.statements) statement(s), \(flush)")
        for (n, id) in ids.prefix(1_000).enumerated() { presence.record(.message, device: id, at: t(3, us: Int64(n))) }
        let small = try clock.measure { result = try presence.flush(now: t(4)) }
        print("presence flush: \(result.rowsWritten) rows, \(result.statements) statement(s), \(small)")
    }
}
