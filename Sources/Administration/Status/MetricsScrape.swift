#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP/1.1 `GET` of the daemon's status endpoint, with a deadline.
///
/// `status` must answer in a moment even when the daemon hangs: connect, send and every read are
/// bounded by `timeoutMilliseconds`. Sends `Connection: close` and reads to the end (or to
/// `Content-Length`), so it works with servers that keep connections alive.
public enum MetricsScrape {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The body of `GET path` at `host:port` when the status is 200.
    public static func get(host: String, port: Int, path: String = "/metrics", timeoutMilliseconds: Int = 2000) throws(Failure) -> String {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "nothing listening on \(host):\(port) (\(String(cString: strerror(errno))))")
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAccept: text/plain\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw Failure(description: "could not send the request to \(host):\(port)") }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && response.isEmpty { throw Failure(description: "no answer from \(host):\(port) within \(timeoutMilliseconds) ms") }
            if n <= 0 { break }
            response += buffer[0..<n]
            if let complete = completeLength(response), response.count >= complete { break }
        }
        return try body(of: response, from: "\(host):\(port)")
    }

    /// Header length + Content-Length, once the headers are in and name a length.
    static func completeLength(_ response: [UInt8]) -> Int? {
        guard let end = headerEnd(response) else { return nil }
        let headers = String(decoding: response[..<end], as: UTF8.self).lowercased()
        guard let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: " \t")) else { return nil }
        return end + 4 + length
    }

    static func headerEnd(_ response: [UInt8]) -> Int? {
        guard response.count >= 4 else { return nil }
        for i in 0...(response.count - 4) where response[i] == 13 && response[i + 1] == 10 && response[i + 2] == 13 && response[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func body(of response: [UInt8], from source: String) throws(Failure) -> String {
        guard let end = headerEnd(response) else { throw Failure(description: "not an HTTP response from \(source)") }
        let statusLine = String(decoding: response[..<end], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { throw Failure(description: "not an HTTP response from \(source)") }
        guard parts[1] == "200" else { throw Failure(description: "\(source) answered \(parts.dropFirst().joined(separator: " "))") }
        let body = Array(response[(end + 4)...])
        let headers = String(decoding: response[..<end], as: UTF8.self).lowercased()
        guard headers.contains("transfer-encoding: chunked") else { return String(decoding: body, as: UTF8.self) }
        guard let decoded = dechunk(body) else { throw Failure(description: "a malformed chunked response from \(source)") }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The payload of a `Transfer-Encoding: chunked` body (chunk extensions and trailers ignored).
    static func dechunk(_ body: [UInt8]) -> [UInt8]? {
        var out = [UInt8]()
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: body[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16) else { return nil }
            if size == 0 { return out }
            let start = lineEnd + 2
            guard start + size <= body.count else { return nil }
            out += body[start..<(start + size)]
            index = start + size + 2
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }
}
