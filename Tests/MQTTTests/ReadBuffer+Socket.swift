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
        #expect(mash_read_buffer_attach(fds[0]) == 0)
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
        #expect(mash_read_buffer_attach(-1) == 0)
        defer { mash_read_buffer_detach() }
        var byte: UInt8 = 0
        #expect(read(fds[0], &byte, 1) == 1)
        #expect(mash_read_buffer_pending() == 0)
        #expect(read(fds[0], &byte, 1) == 1)
        #expect(byte == UInt8(ascii: "b"))
    }
}
