/// `url` with its userinfo password set to `password` (percent-encoded), replacing any password it had.
///
/// For passwords kept outside the URL (`mqtt.password_file`, `database.password_file`): the result is
/// a URL the MQTT client and libpq both parse back to exactly `password`. A URL without a user name
/// gets `:password@` (libpq then uses its default user; the MQTT checks refuse that form). A
/// `password=` query parameter is dropped, since libpq would let it win over the userinfo. Returns
/// nil when `url` has no `scheme://`. The result contains the password: log it only through
/// ``redacted(url:)``.
public func replacingPassword(in url: String, with password: String) -> String? {
    guard let parts = PasswordLocation(url) else { return nil }
    return parts.prefix + parts.user + ":" + percentEncoded(password) + "@" + parts.rest
}

/// `url` logging in as `user` with `password` (both percent-encoded), whatever login it had.
///
/// For clients that connect once per identity, as simulated devices do under a broker ACL keyed on the
/// user name. Returns nil when `url` has no `scheme://`; the result contains the password.
public func replacingLogin(in url: String, user: String, password: String) -> String? {
    guard let parts = PasswordLocation(url) else { return nil }
    return parts.prefix + percentEncoded(user) + ":" + percentEncoded(password) + "@" + parts.rest
}

/// `url` without any password, and the password it held (percent-decoded; a `password=` query
/// parameter counts too).
///
/// For handing a connection to a child process (`pg_dump`, `pg_restore`): the URL goes on its command
/// line, where any local user can read it, and the password through the environment (`PGPASSWORD`).
/// A URL that is not `scheme://…` is returned unchanged with no password.
public func splittingPassword(from url: String) -> (url: String, password: String?) {
    guard let parts = PasswordLocation(url) else { return (url, nil) }
    let password = parts.password.flatMap { URLParts.percentDecoded($0) } ?? parts.queryPassword
    return (parts.prefix + parts.user + (parts.user.isEmpty ? "" : "@") + parts.rest, password)
}

/// A URL cut around its password: `prefix` (`scheme://`), `user`, the password, then `rest` (host,
/// path and query without `password=` parameters), as URLParts splits it.
private struct PasswordLocation {
    let prefix: Substring
    let user: Substring
    /// The userinfo password as written (percent-encoded); nil when the URL has none.
    let password: Substring?
    /// The value of a `password=` query parameter, percent-decoded.
    let queryPassword: String?
    let rest: String

    init?(_ url: String) {
        guard let separator = url.range(of: "://") else { return nil }
        prefix = url[..<separator.upperBound]
        let afterScheme = url[separator.upperBound...]
        // The userinfo ends at the last "@" before the query or fragment.
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let hostAndAfter: Substring
        if let at = afterScheme[..<authorityEnd].lastIndex(of: "@") {
            let userinfo = afterScheme[..<at]
            let colon = userinfo.firstIndex(of: ":")
            user = userinfo[..<(colon ?? userinfo.endIndex)]
            password = colon.map { userinfo[userinfo.index(after: $0)...] }
            hostAndAfter = afterScheme[afterScheme.index(after: at)...]
        } else {
            user = ""
            password = nil
            hostAndAfter = afterScheme
        }
        guard let mark = hostAndAfter.firstIndex(of: "?") else {
            rest = String(hostAndAfter)
            queryPassword = nil
            return
        }
        let queryEnd = hostAndAfter[mark...].firstIndex(of: "#") ?? hostAndAfter.endIndex
        let parameters = hostAndAfter[hostAndAfter.index(after: mark)..<queryEnd].split(separator: "&", omittingEmptySubsequences: false)
        queryPassword = parameters.last { $0.hasPrefix("password=") }.flatMap { URLParts.percentDecoded($0.dropFirst("password=".count)) }
        let kept = parameters.filter { !$0.hasPrefix("password=") }
        rest = hostAndAfter[..<mark] + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&")) + hostAndAfter[queryEnd...]
    }
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
