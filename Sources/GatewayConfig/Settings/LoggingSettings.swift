/// Log level names; the same raw values as swift-log's `Logger.Level`, so `Logger.Level(rawValue:)` maps them.
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case trace
    case debug
    case info
    case notice
    case warning
    case error
    case critical
}

/// Logging (`logging:` in the YAML).
public struct LoggingSettings: Sendable, Equatable {
    public var level: LogLevel

    public init(level: LogLevel = .info) {
        self.level = level
    }
}
