import Foundation
import Synchronization

/// A loopback TCP port that was free a moment ago.
///
/// Binding port 0 lets the kernel choose; the port is released before the server under test
/// binds it, so a race is possible but rare, and callers that start a server retry on
/// "address in use".
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ptr in
            bind(fd, ptr, len) == 0 && getsockname(fd, ptr, &len) == 0
        }
    }
    guard bound else { throw TestSupportError("bind(127.0.0.1:0) failed: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func isListening(port: Int) -> Bool {
    guard let fd = try? connectLoopback(port: port) else { return false }
    close(fd)
    return true
}

/// A TCP connection to 127.0.0.1:`port` whose reads time out after `receiveTimeout` seconds;
/// the caller closes the descriptor.
public func connectLoopback(port: Int, receiveTimeout: Int = 5) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
    var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else {
        let error = errno
        close(fd)
        throw TestSupportError("connect to 127.0.0.1:\(port) failed: errno \(error)")
    }
    return fd
}

/// A loopback port held by the test until `close()` (or deinit), so that nothing started
/// meanwhile can take it: bound but not listening (connecting is refused), or listening
/// (whoever else tries to bind it finds it taken).
public final class HeldLoopbackPort: Sendable {
    public let port: Int
    private let fd: Int32
    private let closed = Mutex(false)

    public init(listening: Bool = false) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard fd >= 0, ok, !listening || listen(fd, 1) == 0 else {
            if fd >= 0 { _ = Foundation.close(fd) }
            throw TestSupportError("could not reserve a loopback port: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    public func close() {
        let first = closed.withLock { closed in defer { closed = true }; return !closed }
        if first { _ = Foundation.close(fd) }
    }

    deinit { close() }
}

/// A failure of the test harness itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
