#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The spool's system calls, each through one funnel that retries EINTR and throws a ``SpoolError``
/// naming the operation and file.
enum SpoolSystem {
    @discardableResult
    static func call(_ operation: String, _ path: String, _ body: () -> Int) throws(SpoolError) -> Int {
        while true {
            let result = body()
            if result >= 0 { return result }
            let error = errno
            if error == EINTR { continue }
            throw SpoolError(.io, message: "\(operation) failed", path: path, operation: operation, errno: error)
        }
    }

    static func makeDirectory(_ path: String) throws(SpoolError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw SpoolError(.io, message: "cannot create the spool directory", path: prefix, operation: "mkdir", errno: errno)
            }
        }
    }

    static func fileNames(in directory: String) throws(SpoolError) -> [String] {
        guard let handle = opendir(directory) else {
            throw SpoolError(.io, message: "cannot list the spool directory", path: directory, operation: "opendir", errno: errno)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes a created, renamed or removed directory entry durable.
    static func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = try call("open", path) { Int(open(path, O_RDONLY | O_DIRECTORY)) }
        defer { close(Int32(fd)) }
        try call("fsync", path) { Int(fsync(Int32(fd))) }
    }

    static func rename(_ from: String, to: String) throws(SpoolError) {
        #if canImport(Glibc)
        try call("rename", from) { Int(Glibc.rename(from, to)) }
        #else
        try call("rename", from) { Int(Darwin.rename(from, to)) }
        #endif
    }

    static func unlink(_ path: String) throws(SpoolError) {
        #if canImport(Glibc)
        try call("unlink", path) { Int(Glibc.unlink(path)) }
        #else
        try call("unlink", path) { Int(Darwin.unlink(path)) }
        #endif
    }
}

/// One open spool file: positioned reads and writes, data sync, truncation. Closed on deinit.
final class SpoolFile {
    let path: String
    let fd: Int32

    enum Mode { case open, create, openOrCreate }

    init(path: String, _ mode: Mode) throws(SpoolError) {
        self.path = path
        let creation: Int32 = switch mode {
        case .open: 0
        case .create: O_CREAT | O_EXCL
        case .openOrCreate: O_CREAT
        }
        let flags = O_RDWR | O_CLOEXEC | creation
        fd = Int32(try SpoolSystem.call(mode == .create ? "create" : "open", path) { Int(open(path, flags, 0o600)) })
    }

    deinit { close(fd) }

    var size: Int {
        get throws(SpoolError) {
            var status = stat()
            try SpoolSystem.call("stat", path) { Int(fstat(fd, &status)) }
            return Int(status.st_size)
        }
    }

    /// Reads the whole file (segments are bounded, so this is a few MiB at most).
    func readAll() throws(SpoolError) -> [UInt8] {
        let count = try size
        return try read(at: 0, count: count)
    }

    func read(at offset: Int, count: Int) throws(SpoolError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(SpoolError) in
                    try SpoolSystem.call("read", path) { pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done)) }
                }
            }.get()
            if n == 0 {
                throw SpoolError(.corrupt, message: "file ends before the record it described", path: path, operation: "read")
            }
            done += n
        }
        return bytes
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SpoolError) {
        var done = 0
        while done < bytes.count {
            done += try SpoolSystem.call("write", path) {
                pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
        }
    }

    /// Data and size on stable storage (not other metadata such as mtime: fdatasync, cheaper than fsync).
    func sync() throws(SpoolError) {
        #if os(Linux)
        try SpoolSystem.call("fdatasync", path) { Int(fdatasync(fd)) }
        #else
        try SpoolSystem.call("fsync", path) { Int(fsync(fd)) }
        #endif
    }

    func truncate(to size: Int) throws(SpoolError) {
        try SpoolSystem.call("truncate", path) { Int(ftruncate(fd, off_t(size))) }
    }

    /// Takes an exclusive advisory lock without waiting; false when another process holds it.
    func tryLock() throws(SpoolError) -> Bool {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw SpoolError(.io, message: "cannot lock", path: path, operation: "flock", errno: errno)
    }
}
