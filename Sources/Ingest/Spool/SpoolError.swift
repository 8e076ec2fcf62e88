#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A spool failure: what was being done, on which file, and the system's reason.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A system call failed (disk full, permissions, I/O error); `errno` says which.
        case io
        /// Another process holds the spool directory (two instances must not share a `spool_dir`).
        case locked
        /// The record can never fit: it is larger than the spool's whole capacity.
        case recordTooLarge
        /// A record read back does not match its checksum (the file changed after it was written).
        case corrupt
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var operation: String?
    public var errno: Int32?

    public init(_ code: Code, message: String, path: String? = nil, operation: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        var text = "spool"
        if let operation { text += " \(operation)" }
        if let path { text += " \(path)" }
        text += ": \(message)"
        if let errno { text += " (\(String(cString: strerror(errno))), errno \(errno))" }
        return text
    }
}
