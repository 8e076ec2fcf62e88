import Presence
import WallTime

/// Instants for tests: whole seconds (plus microseconds) after a fixed epoch, so expectations read as arithmetic.
func t(_ seconds: Int64, us: Int64 = 0) -> WallInstant {
    WallInstant(microseconds: 1_700_000_000_000_000 + seconds * 1_000_000 + us)
}

/// A machine started at t(0) with a 90 s default limit.
func makeMachine(offlineAfter: Duration = .seconds(90), startedAt: WallInstant = t(0)) -> PresenceMachine {
    PresenceMachine(defaultOfflineAfter: offlineAfter, startedAt: startedAt)
}

extension PresenceMachine {
    /// Adds a restored device; fails the test if restoring asked for actions.
    mutating func restoreQuietly(_ state: RestoredPresence) -> PresenceDevice {
        restore(state).device
    }

    /// A device that came online at `at` (restored offline, then a message).
    mutating func onlineDevice(at: WallInstant) -> PresenceDevice {
        let device = restoreQuietly(RestoredPresence(isOnline: false))
        _ = messageSeen(device, at: at)
        return device
    }
}

extension Duration {
    var microsecondsValue: Int64 {
        let (s, a) = components
        return s * 1_000_000 + a / 1_000_000_000_000
    }
}
