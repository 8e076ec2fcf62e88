#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waiting without a lock: spin a little, yield a little, then sleep in growing steps up to 1 ms.
///
/// The ring has no futex or condition variable: both sides poll. A wait is rare for the producer
/// (ring full means PostgreSQL is far behind) and costs an idle consumer at most ~1000 wake-ups a
/// second, while a 1 ms worst-case latency is far below the writer's flush interval.
struct Backoff {
    private var step = 0
    private var sleepNanoseconds = 0

    static let spins = 64
    static let yields = 8
    static let firstSleepNanoseconds = 4_000
    static let maxSleepNanoseconds = 1_000_000

    mutating func pause() {
        step += 1
        if step <= Self.spins { return }
        if step <= Self.spins + Self.yields {
            sched_yield()
            return
        }
        sleepNanoseconds = sleepNanoseconds == 0
            ? Self.firstSleepNanoseconds : min(sleepNanoseconds * 2, Self.maxSleepNanoseconds)
        var request = timespec(tv_sec: 0, tv_nsec: sleepNanoseconds)
        _ = nanosleep(&request, nil)
    }
}
