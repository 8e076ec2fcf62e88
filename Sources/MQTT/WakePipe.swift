import CMosquitto
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets other threads interrupt the MQTT loop's `poll` when they queued a packet.
///
/// A burst of publishes from other threads costs one `write` to the pipe, not one per message:
/// `pending` is set while a byte is (or is about to be) in the pipe. The guarantee: a `wake()`
/// is never lost — after it, either the pipe is readable or the loop is inside `drain` and
/// looks at the handle again afterwards.
@_spi(Testing)
public final class WakePipe: @unchecked Sendable {
    /// Polled by the loop; non-blocking.
    public let readEnd: Int32
    private let writeEnd: Int32
    private let pending = Atomic<Bool>(false)

    public init() throws(MQTTError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw MQTTError(rc: MOSQ_ERR_ERRNO.rawValue, errnoValue: errno, context: "pipe for the MQTT loop's wake-ups")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Any thread, after queuing its packet.
    public func wake() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)  // EAGAIN: the pipe is full of wake-ups already
    }

    /// Loop thread: empties the pipe, then lets the next `wake()` write again.
    ///
    /// In this order. Cleared first, a `wake()` between the clear and the read would set the flag
    /// and have its byte read here, leaving the flag set with an empty pipe: every later `wake()`
    /// would be skipped, and the loop would see other threads' packets only on socket activity or
    /// after its poll timeout. Cleared after, a `wake()` that still finds the flag set had queued
    /// its packet before this call returns, and the loop looks at the handle after draining.
    /// `midway` runs between the two steps (tests put a concurrent `wake()` there).
    public func drain(midway: () -> Void = {}) {
        var buffer = (UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
        midway()
        _ = pending.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// True when a `poll` on `readEnd` would return at once.
    public var isReadable: Bool {
        var fd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) > 0
    }
}
