import CReadBuffer
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Buffered socket reads (CReadBuffer)")
struct ReadBufferTests {
    /// libmosquitto's 1-byte header reads must be served from one read(2): after the first byte
    /// the rest of what the socket held waits in the buffer, in order, and EOF still comes through.
    @Test func oneReadServesEveryByteInOrder() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]) }
        let sent: [UInt8] = [0x30, 0x05, 1, 2, 3, 4, 5]
        #expect(write(fds[1], sent, sent.count) == sent.count)
        close(fds[1])
        #expect(mash_read_buffer_attach(fds[0], 1) == 0)
        defer { mash_read_buffer_detach() }

        var byte: UInt8 = 0
        #expect(read(fds[0], &byte, 1) == 1)
        #expect(byte == 0x30)
        #expect(mash_read_buffer_pending() == sent.count - 1)
        var rest = [UInt8](repeating: 0, count: 16)
        #expect(read(fds[0], &rest, 1) == 1)
        #expect(read(fds[0], &rest[1], 16) == 5)
        #expect(Array(rest[0..<6]) == Array(sent[1...]))
        #expect(mash_read_buffer_pending() == 0)
        #expect(read(fds[0], &byte, 1) == 0)  // EOF passes through
    }

    /// Only the attached fd of the attaching thread is buffered; another fd reads straight through.
    @Test func otherDescriptorsAreNotBuffered() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(write(fds[1], "ab", 2) == 2)
        #expect(mash_read_buffer_attach(-1, 1) == 0)
        defer { mash_read_buffer_detach() }
        var byte: UInt8 = 0
        #expect(read(fds[0], &byte, 1) == 1)
        #expect(mash_read_buffer_pending() == 0)
        #expect(read(fds[0], &byte, 1) == 1)
        #expect(byte == UInt8(ascii: "b"))
    }

    /// "Everything the socket held was consumed" comes from the socket itself: a full buffer or
    /// an errno of EAGAIN left by something else (a write to a full pipe) does not say it.
    @Test func wouldBlockComesOnlyFromAnEmptySocket() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        #expect(write(fds[1], "abc", 3) == 3)
        #expect(mash_read_buffer_attach(fds[0], 1) == 0)
        defer { mash_read_buffer_detach() }

        var bytes = [UInt8](repeating: 0, count: 4)
        #expect(read(fds[0], &bytes, 1) == 1)
        errno = EAGAIN
        #expect(mash_read_buffer_would_block() == 0)
        #expect(read(fds[0], &bytes, 4) == 2)
        #expect(mash_read_buffer_would_block() == 0)
        #expect(read(fds[0], &bytes, 1) == -1 && errno == EAGAIN)
        #expect(mash_read_buffer_would_block() == 1)
        mash_read_buffer_clear_would_block()
        #expect(mash_read_buffer_would_block() == 0)
    }

    /// A watched but unbuffered fd (TLS: OpenSSL reads the socket itself) reads straight through,
    /// byte for byte, and still reports an empty socket.
    @Test func unbufferedWatchReadsThroughAndReportsAnEmptySocket() throws {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        #expect(write(fds[1], "abcdefg", 7) == 7)
        #expect(mash_read_buffer_attach(fds[0], 0) == 0)
        defer { mash_read_buffer_detach() }

        var bytes = [UInt8](repeating: 0, count: 8)
        #expect(read(fds[0], &bytes, 1) == 1)
        #expect(mash_read_buffer_pending() == 0)
        var inSocket: Int32 = 0
        #expect(ioctl(fds[0], UInt(FIONREAD), &inSocket) == 0 && inSocket == 6)
        #expect(read(fds[0], &bytes, 8) == 6)
        #expect(read(fds[0], &bytes, 1) == -1)
        #expect(mash_read_buffer_would_block() == 1)
    }

    /// A new connection (even one that got the old fd number back) never sees the old one's bytes.
    @Test func attachingAgainDropsWhatWasBuffered() throws {
        var old: [Int32] = [-1, -1], new: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &old) == 0)
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &new) == 0)
        defer { close(old[1]); close(new[0]); close(new[1]) }
        #expect(write(old[1], "stale", 5) == 5)
        #expect(mash_read_buffer_attach(old[0], 1) == 0)
        defer { mash_read_buffer_detach() }
        var byte: UInt8 = 0
        #expect(read(old[0], &byte, 1) == 1)
        #expect(mash_read_buffer_pending() == 4)
        // The old socket closes and the new one gets its fd number.
        #expect(dup2(new[0], old[0]) == old[0])
        defer { close(old[0]) }
        #expect(write(new[1], "N", 1) == 1)
        #expect(mash_read_buffer_attach(old[0], 1) == 0)
        #expect(mash_read_buffer_pending() == 0)
        #expect(read(old[0], &byte, 1) == 1)
        #expect(byte == UInt8(ascii: "N"))
    }
}
