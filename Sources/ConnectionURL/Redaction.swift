import Foundation

/// The text `redacted(url:)` puts where a password was.
public let redactedPassword = "****"

/// `url` with any password replaced by `****`, safe to log or print.
///
/// Masks the password of the userinfo (`scheme://user:****@host…`) and the value of every
/// `password=` / `sslpassword=` parameter (URL query or libpq keyword string). When the text is
/// too malformed to tell, it masks more rather than less: everything between `://` and the last `@`
/// after the user name.
public func redacted(url: String) -> String {
    var text = url
    if let separator = text.range(of: "://") {
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        let at: String.Index? =
            rest[..<authorityEnd].lastIndex(of: "@")
            ?? rest.lastIndex(of: "@").flatMap { candidate in
                // A "/" inside an unescaped password cut the authority short: trust the last "@" when a ":" precedes it.
                rest[..<candidate].contains(":") ? candidate : nil
            }
        if let at, let colon = rest[..<at].firstIndex(of: ":") {
            text.replaceSubrange(text.index(after: colon)..<at, with: redactedPassword)
        }
    }
    return maskingPasswordParameters(in: text)
}

/// Masks `password=value` (any case, also `sslpassword=`) up to the next `&`, space or end.
private func maskingPasswordParameters(in text: String) -> String {
    var result = ""
    var rest = Substring(text)
    while let range = rest.range(of: "password=", options: [.caseInsensitive]) {
        result += rest[..<range.upperBound]
        rest = rest[range.upperBound...]
        var end = rest.firstIndex(where: { $0 == "&" || $0 == " " || $0 == "\t" || $0 == "\n" }) ?? rest.endIndex
        // libpq keyword values may be single-quoted and contain spaces.
        if rest.hasPrefix("'") {
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex, rest[index] != "'" {
                if rest[index] == "\\" { index = rest.index(after: index) }
                if index < rest.endIndex { index = rest.index(after: index) }
            }
            end = index < rest.endIndex ? rest.index(after: index) : rest.endIndex
        }
        if end > rest.startIndex { result += redactedPassword }
        rest = rest[end...]
    }
    return result + rest
}
