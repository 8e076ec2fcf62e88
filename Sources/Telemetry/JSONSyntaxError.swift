/// Why a payload is not JSON at all: the byte offset and what the scanner expected there.
///
/// A plain struct with a `StaticString` so the scanner can throw it (typed throws) without
/// allocating; the human text is built only when a reject is recorded.
struct JSONSyntaxError: Error, Sendable {
    /// Byte offset into the payload where scanning stopped.
    var offset: Int
    /// What was wrong, e.g. "expected ',' or '}'".
    var message: StaticString

    var detail: String { "invalid JSON at byte \(offset): \(message)" }
}
