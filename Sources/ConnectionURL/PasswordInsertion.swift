/// `url` with its userinfo password set to `password` (percent-encoded), replacing any password it had.
///
/// For passwords kept outside the URL (`mqtt.password_file`, `database.password_file`): the result is
/// a URL the MQTT client and libpq both parse back to exactly `password`. A URL without a user name
/// gets `:password@` (libpq then uses its default user; the MQTT checks refuse that form). A
/// `password=` query parameter is dropped, since libpq would let it win over the userinfo. Returns
/// nil when `url` has no `scheme://`. The result contains the password: log it only through
/// ``redacted(url:)``.
public func replacingPassword(in url: String, with password: String) -> String? {
    guard let separator = url.range(of: "://") else { return nil }
    let rest = url[separator.upperBound...]
    // As URLParts splits it: the userinfo ends at the last "@" before the query or fragment.
    let authorityEnd = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? rest.endIndex
    let user: Substring
    let afterUserinfo: Substring
    if let at = rest[..<authorityEnd].lastIndex(of: "@") {
        let userinfo = rest[..<at]
        user = userinfo[..<(userinfo.firstIndex(of: ":") ?? userinfo.endIndex)]
        afterUserinfo = rest[rest.index(after: at)...]
    } else {
        user = ""
        afterUserinfo = rest
    }
    return url[..<separator.upperBound] + user + ":" + percentEncoded(password) + "@" + droppingPasswordParameters(afterUserinfo)
}

/// `hostAndPath?query#fragment` without its `password=` query parameters.
private func droppingPasswordParameters(_ text: Substring) -> String {
    guard let mark = text.firstIndex(of: "?") else { return String(text) }
    let queryEnd = text[mark...].firstIndex(of: "#") ?? text.endIndex
    let kept = text[text.index(after: mark)..<queryEnd].split(separator: "&", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("password=") }
    return text[..<mark] + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&")) + text[queryEnd...]
}

/// Every byte but RFC 3986's unreserved characters as `%XX`, so any password survives both parsers.
func percentEncoded(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var bytes: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            bytes.append(byte)
        default:
            bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
