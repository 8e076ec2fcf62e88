/// A broker address parsed from `mqtt://[user[:password]@]host[:port][/]` or `mqtts://…`.
///
/// Parsed by hand (no Foundation) so the rules are exact and unit-tested: the scheme decides
/// TLS and the default port (1883 / 8883); user and password are percent-decoded; an IPv6 host
/// is written in brackets. `description` masks the password, so logging the URL is safe.
public struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    public var useTLS: Bool
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(useTLS: Bool, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.useTLS = useTLS
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Parses `string`; throws `MQTTError` with code `.invalidURL` naming what is wrong.
    public init(parsing string: String) throws(MQTTError) {
        func fail(_ why: String) -> MQTTError {
            MQTTError(code: .invalidURL, rc: 3, message: why, context: "MQTT URL \(MQTTURL.masked(string))")
        }
        let rest: Substring
        if string.hasPrefix("mqtt://") {
            useTLS = false
            rest = string.dropFirst("mqtt://".count)
        } else if string.hasPrefix("mqtts://") {
            useTLS = true
            rest = string.dropFirst("mqtts://".count)
        } else {
            throw fail("the scheme must be mqtt:// or mqtts://")
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else { throw fail("a path, query or fragment is not allowed") }
            authority = rest[..<slash]
        }
        guard !authority.contains("?"), !authority.contains("#") else {
            throw fail("a query or fragment is not allowed")
        }
        var hostPort = authority
        username = nil
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                username = try Self.percentDecode(userinfo[..<colon], fail)
                password = try Self.percentDecode(userinfo[userinfo.index(after: colon)...], fail)
            } else {
                username = try Self.percentDecode(userinfo, fail)
            }
            if username?.isEmpty == true { throw fail("the user name is empty") }
        }
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("an IPv6 address lacks its closing ]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw fail("the host is empty") }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw fail("the port must be a number from 1 to 65535")
            }
            port = value
        } else {
            port = useTLS ? 8883 : 1883
        }
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var text = useTLS ? "mqtts://" : "mqtt://"
        if let username {
            text += username
            if password != nil { text += ":***" }
            text += "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)"
    }

    /// `string` with anything between `//user:` and `@` masked; for error messages about unparsable URLs.
    static func masked(_ string: String) -> String {
        let scalars = Array(string.utf8)
        guard let schemeEnd = (0..<max(0, scalars.count - 2)).first(where: {
            scalars[$0] == UInt8(ascii: ":") && scalars[$0 + 1] == UInt8(ascii: "/") && scalars[$0 + 2] == UInt8(ascii: "/")
        }) else { return string }
        let userinfoStart = string.utf8.index(string.startIndex, offsetBy: schemeEnd + 3)
        guard let at = string.lastIndex(of: "@"), at > userinfoStart else { return string }
        let userinfo = string[userinfoStart..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return string }
        return String(string[..<colon]) + ":***" + String(string[at...])
    }

    private static func percentDecode(_ text: Substring, _ fail: (String) -> MQTTError) throws(MQTTError) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else {
                    throw fail("a % escape in the user or password is malformed")
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw fail("the user or password is not valid UTF-8")
        }
        return decoded
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

extension MQTTURL: CustomReflectable {
    /// Keeps `dump()` and debuggers from showing the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["url": description], displayStyle: .struct)
    }
}
