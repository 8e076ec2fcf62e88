import Foundation

/// The pieces of a `scheme://user:password@host:port/path?query#fragment` URL, percent-decoded where a client needs raw text.
///
/// Hand-written rather than Foundation's `URL` so that behaviour is identical on every platform
/// and passwords with reserved characters are handled predictably.
struct URLParts: Equatable {
    /// Lower-cased: schemes are case-insensitive (RFC 3986 §3.1).
    var scheme: String
    var username: String?
    var password: String?
    var host: String
    var port: Int?
    var path: String
    var query: String?
    var fragment: String?

    enum Failure: Error, Equatable {
        case notAURL
        case noHost
        case badPort(String)
        case badEscape
    }

    static func parse(_ text: String) -> Result<URLParts, Failure> {
        guard let separator = text.range(of: "://") else { return .failure(.notAURL) }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else {
            return .failure(.notAURL)
        }
        var rest = text[separator.upperBound...]
        var query: String?
        var fragment: String?
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        // The userinfo ends at the last "@" before the path; an unescaped "/" in a password is tolerated.
        var userinfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        let authority: Substring
        let path: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[slash...]
        } else {
            authority = rest
            path = ""
        }
        var username: String?
        var password: String?
        if let userinfo {
            let user: Substring
            if let colon = userinfo.firstIndex(of: ":") {
                user = userinfo[..<colon]
                guard let decoded = percentDecoded(userinfo[userinfo.index(after: colon)...]) else { return .failure(.badEscape) }
                password = decoded
            } else {
                user = userinfo
            }
            guard let decoded = percentDecoded(user) else { return .failure(.badEscape) }
            username = decoded.isEmpty ? nil : decoded
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.noHost) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(.badPort(String(after))) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(.noHost) }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portText), (1...65535).contains(value) else {
                return .failure(.badPort(String(portText)))
            }
            port = value
        }
        return .success(URLParts(
            scheme: scheme.lowercased(), username: username, password: password,
            host: String(host), port: port, path: String(path), query: query, fragment: fragment))
    }

    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
