import Foundation

/// The process's resident memory and open file descriptors, read from `/proc/self` (Linux).
///
/// Nil where `/proc` is not mounted or says something unexpected; the gauges then keep their
/// last value rather than reporting a made-up one.
struct ProcessStats: Sendable, Equatable {
    var residentBytes: Int?
    var openFileDescriptors: Int?

    static func read() -> ProcessStats {
        let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        return ProcessStats(
            residentBytes: statm.flatMap { residentBytes(statm: $0, pageSize: Int(sysconf(Int32(_SC_PAGESIZE)))) },
            // Listing the directory opens one descriptor of its own, which is gone again by now.
            openFileDescriptors: descriptors.map { max(0, $0.count - 1) })
    }

    /// `/proc/self/statm` is "size resident shared text lib data dt", in pages.
    static func residentBytes(statm: String, pageSize: Int) -> Int? {
        let fields = statm.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * pageSize
    }
}
