import Foundation
import Logging
import Synchronization

/// A minimal HTTP/1.1 server for `GET /metrics` (Prometheus text) and `GET /healthz`.
///
/// Two read-only endpoints polled every few seconds do not justify an HTTP stack: one thread
/// accepts connections on a blocking socket, answers one request per connection and closes
/// it. Requests larger than 8 KiB or slower than 2 s are dropped, so a misbehaving client
/// cannot hold the thread for long.
public final class StatusServer: Sendable {
    /// What `/healthz` reports: 200 with "ok", or 503 with the reasons, one per line.
    public typealias Health = @Sendable () -> [String]
    public typealias Metrics = @Sendable () -> [UInt8]

    private let listener: Int32
    private let health: Health
    private let metrics: Metrics
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    public let port: Int

    /// Binds `host:port` (port 0 picks a free one); throws a clear error when the address is taken.
    public init(host: String, port: Int, logger: Logger, health: @escaping Health, metrics: @escaping Metrics) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var info: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &info)
        guard lookup == 0, let address = info else {
            throw StatusServerError("http.listen: \(host):\(port) cannot be resolved (\(String(cString: gai_strerror(lookup))))")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard fd >= 0 else { throw StatusServerError("http.listen: socket() failed: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StatusServerError("http.listen: cannot listen on \(host):\(port): \(reason); choose another port or set http.listen: \"\"")
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = withUnsafePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        self.listener = fd
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// Serves on a thread of its own until `stop()`.
    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "mash-http"
        thread.start()
    }

    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while !stopped.load(ordering: .acquiring) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                if !stopped.load(ordering: .acquiring) {
                    logger.warning("status server accept failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
                }
                return
            }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            request += chunk[0..<n]
            if request.count >= 4, request.suffix(4).elementsEqual([13, 10, 13, 10]) || request.contains(10) { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        guard line.count >= 2 else { return respond(client, 400, "text/plain", Array("bad request\n".utf8)) }
        guard line[0] == "GET" || line[0] == "HEAD" else {
            return respond(client, 405, "text/plain", Array("only GET\n".utf8))
        }
        switch line[1].split(separator: "?").first.map(String.init) ?? "" {
        case "/metrics":
            respond(client, 200, "text/plain; version=0.0.4; charset=utf-8", metrics())
        case "/healthz":
            let problems = health()
            respond(client, problems.isEmpty ? 200 : 503, "text/plain", Array((problems.isEmpty ? "ok\n" : problems.joined(separator: "\n") + "\n").utf8))
        default:
            respond(client, 404, "text/plain", Array("not found: try /metrics or /healthz\n".utf8))
        }
    }

    private func respond(_ client: Int32, _ status: Int, _ contentType: String, _ body: [UInt8]) {
        let reason = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"][status] ?? "Error"
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}

public struct StatusServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
