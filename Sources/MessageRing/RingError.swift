/// Why a ring could not be opened, mapped, synced or written; carries the file and errno text.
///
/// Thrown, never trapped on: a bad file at start-up must become a readable message naming the
/// file, not a crash of the daemon.
public struct RingError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, stable for callers that branch on it.
    public enum Code: Sendable, Hashable {
        /// A C call (open, flock, ftruncate, fallocate, mmap, msync, …) returned an error; see `errno`.
        case systemCall
        /// The file exists but does not start with the ring's magic: it is not a ring file.
        case badMagic
        /// The file is a ring file of a layout version this build does not read.
        case unsupportedVersion
        /// Header fields contradict each other or the file size (e.g. head behind tail).
        case corruptHeader
        /// The requested capacity is not a multiple of 8, too small, or too large.
        case invalidCapacity
        /// The record (header + topic + payload) exceeds `maxRecordSize`; callers reject such payloads earlier.
        case recordTooLarge
        /// Another process holds the file's lock: two writers on one ring would corrupt it.
        case lockedByAnotherProcess
    }

    public var code: Code
    /// The ring file concerned, or nil for an anonymous ring.
    public var path: String?
    public var detail: String
    /// The C errno for `.systemCall` (and lock failures).
    public var errno: Int32?

    public init(code: Code, path: String?, detail: String, errno: Int32? = nil) {
        self.code = code
        self.path = path
        self.detail = detail
        self.errno = errno
    }

    public var description: String {
        var text = "MessageRing error \(code)"
        if let path { text += " for \(path)" }
        return text + ": " + detail
    }
}
