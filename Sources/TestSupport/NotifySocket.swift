import Foundation

/// systemd's side of `Type=notify` for tests: a unix datagram socket to put in `NOTIFY_SOCKET`,
/// collecting every message the process under test sends (READY=1, WATCHDOG=1, EXTEND_TIMEOUT_USEC=…).
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var collected: [String] = []

    public init() throws {
        path = "\(try Harness.makeDirectory("notify"))/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind(\(path)) failed: errno \(errno)") }
        chmod(path, 0o777)
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// Every message received so far, in order (reads what is waiting first).
    public var messages: [String] {
        lock.lock(); defer { lock.unlock() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            collected.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
        return collected
    }
}
