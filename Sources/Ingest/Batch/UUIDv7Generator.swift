import WallTime

/// Time-ordered UUIDv7 ids (RFC 9562 §5.7), made without allocation or Foundation.
///
/// Layout: 48-bit Unix milliseconds, version 7, then a 42-bit counter (the 12 `rand_a` bits and
/// the top 30 of `rand_b`) and 32 random bits. The counter starts at a random value with its top
/// bit clear each millisecond and counts up within it (RFC 9562 method 1), so ids from one
/// generator are strictly increasing even when the wall clock steps back (the last millisecond
/// is kept) or 2^41 ids fall in one millisecond (the millisecond is advanced). The random bits
/// come from a xoshiro256** generator seeded once from the system, so ids from several
/// generators (writers, gateways) collide with negligible probability. B-tree inserts of
/// time-ordered ids touch the rightmost leaf only, which keeps the primary key cheap.
public struct UUIDv7Generator: Sendable {
    private var lastMillis: UInt64 = 0
    private var counter: UInt64 = 0
    private var random: Xoshiro256

    public init() {
        var system = SystemRandomNumberGenerator()
        random = Xoshiro256(seed: (system.next(), system.next(), system.next(), system.next()))
    }

    /// For tests: a fixed seed.
    public init(seed: UInt64) {
        random = Xoshiro256(seed: (seed, seed &* 0x9E37_79B9_7F4A_7C15, ~seed, seed ^ 0xDEAD_BEEF))
    }

    static let counterBits: UInt64 = 42
    static let counterMask: UInt64 = (1 << counterBits) - 1

    /// The next id at the current wall-clock time, as (high, low) big-endian halves.
    public mutating func next() -> (UInt64, UInt64) {
        next(unixMillis: UInt64(WallInstant.now().microseconds / 1000))
    }

    /// The next id for `unixMillis` (never earlier than the last id's millisecond).
    public mutating func next(unixMillis: UInt64) -> (UInt64, UInt64) {
        if unixMillis > lastMillis {
            lastMillis = unixMillis
            counter = random.next() & (Self.counterMask >> 1)
        } else {
            counter += 1
            if counter > Self.counterMask {
                lastMillis += 1
                counter = random.next() & (Self.counterMask >> 1)
            }
        }
        let randA = counter >> 30  // 12 bits
        let randBHigh = counter & ((1 << 30) - 1)  // 30 bits
        let high = (lastMillis & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | randA
        let low = 0x8000_0000_0000_0000 | randBHigh << 32 | (random.next() & 0xFFFF_FFFF)
        return (high, low)
    }
}

/// xoshiro256** (Blackman & Vigna): fast, good-quality, not cryptographic (ids need uniqueness, not secrecy).
struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: (UInt64, UInt64, UInt64, UInt64)) {
        s = seed
        if s == (0, 0, 0, 0) { s.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
