import Foundation
import Testing
import TestSupport

/// `Type=notify` as systemd sees it: a datagram socket in NOTIFY_SOCKET receives READY=1 once the
/// gateway is ready, WATCHDOG=1 while its ingest loop runs, and STOPPING=1 on SIGTERM.
@Suite("systemd notify")
struct SystemdNotifyTests {
    @Test("READY=1, then WATCHDOG=1 pings, then STOPPING=1")
    func notifications() async throws {
        let directory = try Harness.makeDirectory("notify")
        let path = "\(directory)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        chmod(path, 0o777)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [String] = []
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                received.append(String(decoding: buffer[0..<n], as: UTF8.self))
            }
        }

        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let gateway = try GatewayProcess.start(
            config: testGatewayConfig(mqttURL: broker.url, databaseURL: database),
            environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
        try await waitUntil("READY=1 and two watchdog pings (got \(received))") {
            drain()
            return received.contains { $0.hasPrefix("READY=1") } && received.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        #expect(await gateway.terminate() == 0)
        try await waitUntil("STOPPING=1 (got \(received))") {
            drain()
            return received.contains("STOPPING=1")
        }
        let ready = try #require(received.firstIndex { $0.hasPrefix("READY=1") })
        #expect(received.firstIndex(of: "WATCHDOG=1")! > ready, "no ping before READY")
    }
}
