/// A forward-only JSON tokenizer over borrowed bytes: the hot path of telemetry decoding.
///
/// It never allocates: strings come back as byte ranges (unescaped only on demand, into a
/// caller's buffer), numbers as exact decimals. Every byte it accepts is valid RFC 8259 JSON
/// in valid UTF-8; it additionally refuses `\u0000` and lone surrogates, which PostgreSQL's
/// text and jsonb types cannot store. Reading past the end yields the sentinel byte 0, which
/// is never valid where a token may start, so bounds checks collapse into byte comparisons.
struct JSONCursor {
    let bytes: UnsafeRawBufferPointer
    var pos: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { pos >= bytes.count }

    /// The byte at `pos`, or 0 at the end of input.
    @inline(__always) func peek() -> UInt8 { pos < bytes.count ? bytes[pos] : 0 }

    @inline(__always) func byte(at i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }

    @inline(__always) func fail(_ message: StaticString) -> JSONSyntaxError {
        JSONSyntaxError(offset: pos, message: message)
    }

    @inline(__always) mutating func skipWhitespace() {
        while pos < bytes.count {
            let b = bytes[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// Consumes `expected` (after whitespace) or throws `message`.
    @inline(__always) mutating func expect(_ expected: UInt8, _ message: StaticString) throws(JSONSyntaxError) {
        skipWhitespace()
        guard peek() == expected else { throw fail(message) }
        pos += 1
    }

    /// After a member or element: true if a ',' was consumed, false if `close` was.
    @inline(__always) mutating func nextSeparator(close: UInt8, _ message: StaticString) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        let b = peek()
        if b == UInt8(ascii: ",") { pos += 1; return true }
        if b == close { pos += 1; return false }
        throw fail(message)
    }

    /// Consumes a literal such as `true` if it is next; nothing otherwise.
    mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != lit[i] { return false }
        pos += n
        return true
    }

    // MARK: Strings

    /// Scans a string starting at its opening quote; returns the bytes between the quotes.
    mutating func scanString() throws(JSONSyntaxError) -> JSONString {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        pos += 1
        let start = pos
        var escaped = false
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = JSONString(start: start, end: pos, hasEscapes: escaped)
                pos += 1
                return s
            } else if b == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
            } else if b < 0x20 {
                throw fail("control character in string")
            } else if b < 0x80 {
                pos += 1
            } else {
                try scanUTF8Sequence()
            }
        }
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        pos += 1  // the backslash
        switch peek() {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            pos += 1
        case UInt8(ascii: "u"):
            pos += 1
            let unit = try scanHex4()
            if unit == 0 { throw fail("\\u0000 is not allowed (PostgreSQL text cannot hold NUL)") }
            if unit >= 0xDC00 && unit <= 0xDFFF { throw fail("lone low surrogate escape") }
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard peek() == UInt8(ascii: "\\"), byte(at: pos + 1) == UInt8(ascii: "u") else {
                    throw fail("high surrogate escape not followed by a low surrogate")
                }
                pos += 2
                let low = try scanHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("high surrogate escape not followed by a low surrogate") }
            }
        default:
            throw fail("invalid escape in string")
        }
    }

    private mutating func scanHex4() throws(JSONSyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexValue(peek()) else { throw fail("expected 4 hex digits after \\u") }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let b0 = bytes[pos]
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        let extra: Int
        switch b0 {
        case 0xC2...0xDF: extra = 1
        case 0xE0: extra = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: extra = 2
        case 0xED: extra = 2; hi = 0x9F
        case 0xF0: extra = 3; lo = 0x90
        case 0xF1...0xF3: extra = 3
        case 0xF4: extra = 3; hi = 0x8F
        default: throw fail("invalid UTF-8")
        }
        let b1 = byte(at: pos + 1)
        guard b1 >= lo && b1 <= hi else { throw fail("invalid UTF-8") }
        var i = 2
        while i <= extra {
            let b = byte(at: pos + i)
            guard b >= 0x80 && b <= 0xBF else { throw fail("invalid UTF-8") }
            i += 1
        }
        pos += 1 + extra
    }

    /// Appends the unescaped content of `s` to `out` (the payload was validated by `scanString`).
    func unescape(_ s: JSONString, into out: inout [UInt8]) {
        var i = s.start
        while i < s.end {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex4(at: i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
        }
    }

    private func hex4(at i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(hexValue(bytes[i + k])!) }
        return v
    }

    // MARK: Numbers

    /// Scans a JSON number exactly (no binary floating point involved).
    mutating func scanNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = pos
        var n = JSONNumber(negative: false, significand: 0, exponent: 0, start: start, end: start)
        if peek() == UInt8(ascii: "-") { n.negative = true; pos += 1 }
        var significantDigits = 0
        var exponent = 0
        // Integer part.
        let first = peek()
        if first == UInt8(ascii: "0") {
            pos += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while case let b = peek(), b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                if significantDigits < 19 {
                    n.significand = n.significand &* 10 &+ UInt64(b &- 0x30)
                    significantDigits += 1
                } else {
                    exponent += 1  // dropped integer digit; only reachable for values ≥ 1e19
                }
                pos += 1
            }
        } else {
            throw fail("expected a digit")
        }
        if peek() == UInt8(ascii: "0") || (peek() >= UInt8(ascii: "1") && peek() <= UInt8(ascii: "9")) {
            throw fail("leading zero in number")
        }
        // Fraction.
        if peek() == UInt8(ascii: ".") {
            pos += 1
            var any = false
            while case let b = peek(), b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                any = true
                if n.significand == 0 && b == UInt8(ascii: "0") {
                    exponent -= 1
                } else if significantDigits < 19 {
                    n.significand = n.significand &* 10 &+ UInt64(b &- 0x30)
                    significantDigits += 1
                    exponent -= 1
                }
                pos += 1
            }
            guard any else { throw fail("expected a digit after '.'") }
        }
        // Exponent (saturated: anything beyond ±100000 is out of every range we care about).
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            var expNegative = false
            if peek() == UInt8(ascii: "+") { pos += 1 } else if peek() == UInt8(ascii: "-") { expNegative = true; pos += 1 }
            var e = 0
            var any = false
            while case let b = peek(), b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                any = true
                if e < 100_000 { e = e * 10 + Int(b - 0x30) }
                pos += 1
            }
            guard any else { throw fail("expected a digit in exponent") }
            exponent += expNegative ? -e : e
        }
        n.exponent = n.significand == 0 ? 0 : exponent
        n.end = pos
        return n
    }

    // MARK: Skipping

    /// Validates and skips one value; `depth` is the nesting level the value would open.
    mutating func skipValue(depth: Int, maxDepth: Int) throws(JSONSyntaxError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            guard depth <= maxDepth else { throw fail("nesting deeper than the limit") }
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; return }
            repeat {
                skipWhitespace()
                _ = try scanString()
                try expect(UInt8(ascii: ":"), "expected ':'")
                try skipValue(depth: depth + 1, maxDepth: maxDepth)
            } while try nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
        case UInt8(ascii: "["):
            guard depth <= maxDepth else { throw fail("nesting deeper than the limit") }
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; return }
            repeat {
                try skipValue(depth: depth + 1, maxDepth: maxDepth)
            } while try nextSeparator(close: UInt8(ascii: "]"), "expected ',' or ']'")
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        case UInt8(ascii: "t"):
            guard consumeLiteral("true") else { throw fail("invalid literal") }
        case UInt8(ascii: "f"):
            guard consumeLiteral("false") else { throw fail("invalid literal") }
        case UInt8(ascii: "n"):
            guard consumeLiteral("null") else { throw fail("invalid literal") }
        default:
            throw fail("expected a value")
        }
    }
}

/// A scanned JSON string: the byte range between its quotes.
struct JSONString {
    var start: Int
    var end: Int
    var hasEscapes: Bool
}

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - 0x30
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - 0x61 + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - 0x41 + 10
    default: return nil
    }
}

func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case ..<0x80:
        out.append(UInt8(scalar))
    case ..<0x800:
        out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
    case ..<0x10000:
        out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        out.append(UInt8(0x80 | scalar & 0x3F))
    default:
        out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
        out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
    }
}
