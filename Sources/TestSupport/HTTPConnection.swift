import Foundation

/// One HTTP/1.1 client connection to 127.0.0.1 that is kept open across requests, for testing a
/// server's keep-alive, HEAD handling and behaviour under large request headers.
///
/// Responses are framed by `Content-Length` (the status server never uses chunked encoding), so
/// a response that carries more or fewer bytes than it announces breaks the next exchange. A
/// reset or an early close is thrown as `TestSupportError` saying which.
public final class HTTPConnection {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    private let fd: Int32
    private var buffered = [UInt8]()

    public init(port: Int) throws {
        fd = try connectLoopback(port: port, receiveTimeout: 10)
    }

    deinit { close(fd) }

    /// Sends one request and reads its response. `headers` are added after `Host`.
    public func send(_ method: String, _ path: String, headers: [(String, String)] = []) throws -> Response {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TestSupportError("write failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
        let head = try readHead()
        let lines = head.components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw TestSupportError("not an HTTP status line: \(lines.first ?? "")")
        }
        var fields = [String: String]()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = method == "HEAD" ? 0 : Int(fields["content-length"] ?? "") ?? 0
        let body = try readExactly(length)
        return Response(status: status, headers: fields, body: String(decoding: body, as: UTF8.self))
    }

    /// Waits for the server to close the connection: true for an orderly close (FIN), false for a reset.
    public func closedCleanly() throws -> Bool {
        var byte = [UInt8](repeating: 0, count: 1)
        let n = byte.withUnsafeMutableBytes { read(fd, $0.baseAddress, 1) }
        if n == 0 { return true }
        if n < 0, errno == ECONNRESET { return false }
        throw TestSupportError(n > 0 ? "unexpected bytes after the last response" : "read failed: \(String(cString: strerror(errno)))")
    }

    private func readHead() throws -> String {
        let terminator: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = buffered.firstRange(of: terminator) {
                let head = String(decoding: buffered[..<end.lowerBound], as: UTF8.self)
                buffered.removeSubrange(..<end.upperBound)
                return head
            }
            try fill()
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffered.count < count { try fill() }
        defer { buffered.removeFirst(count) }
        return Array(buffered[..<count])
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            buffered += chunk[..<n]
        } else if n == 0 {
            throw TestSupportError("the server closed the connection mid-exchange")
        } else {
            throw TestSupportError(errno == ECONNRESET ? "connection reset by the server" : "read failed: \(String(cString: strerror(errno)))")
        }
    }
}
