/// Why a URL was refused: one sentence that names what is wrong and what to write instead.
///
/// `message` quotes the URL only through ``redacted(url:)``, so it is safe to print or log.
public struct InvalidURL: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The message for a URL that did not split into parts; `example` shows an accepted form.
    init(_ failure: URLParts.Failure, url: String, example: String) {
        let shown = redacted(url: url)
        message = switch failure {
        case .notAURL: "\"\(shown)\" is not a URL; use \(example)"
        case .noHost: "\"\(shown)\" has no host; use \(example)"
        // The port text is not echoed: a malformed URL may have split a password there.
        case .badPort: "\"\(shown)\" has an invalid port; use a number in 1...65535"
        case .badEscape: "\"\(shown)\" has a malformed %-escape in the user name or password; write reserved characters as %XX"
        }
    }

    /// The message for a URL whose scheme is not one of `allowed`.
    static func scheme(_ scheme: String, url: String, allowed: String) -> InvalidURL {
        InvalidURL(message: "scheme \"\(scheme)\" is not allowed in \"\(redacted(url: url))\"; use \(allowed)")
    }
}
