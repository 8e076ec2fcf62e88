import Foundation
import Logging
import WallTime

/// One line per event on stderr, shaped for journald and for people reading a terminal.
///
/// Under systemd (`JOURNAL_STREAM` set) each line starts with the syslog priority in angle
/// brackets (`<3>`), which journald turns into the entry's priority, and carries no timestamp
/// (journald adds one). Elsewhere the line starts with an ISO 8601 UTC timestamp. Metadata
/// follows the message as `key=value`, sorted, so lines grep and diff well.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let journald: Bool
    private let sink: LineSink

    public init(label: String, level: Logger.Level = .info, journald: Bool = LineLogHandler.underJournald, sink: LineSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.journald = journald
        self.sink = sink
    }

    /// Whether stderr is connected to the journal (systemd sets `JOURNAL_STREAM`).
    public static var underJournald: Bool { ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = journald ? "<\(Self.syslogPriority(event.level))>" : Self.timestamp() + " "
        line += "\(event.level.rawValue) [\(label)] \(event.message)"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoteIfNeeded("\(merged[key]!)"))"
        }
        line += "\n"
        sink.write(line)
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Values with spaces or quotes are quoted so that a line splits unambiguously into fields;
    /// newlines are escaped so that one event stays one line.
    static func quoteIfNeeded(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\n", with: "\\n")
        guard escaped.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || escaped.isEmpty else { return escaped }
        return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func timestamp() -> String {
        DateTimeText.format(WallInstant.now().microseconds, separator: "T", fraction: .milliseconds) + "Z"
    }
}

/// Where log lines go: stderr in the daemon, a buffer in tests.
public struct LineSink: Sendable {
    public let write: @Sendable (String) -> Void
    public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Unbuffered writes to fd 2; one `write(2)` per line keeps lines from interleaving.
    public static let standardError = LineSink { line in
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
