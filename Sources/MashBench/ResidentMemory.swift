import Foundation

/// A process's resident memory at one moment, from `/proc/<pid>/status` and `/proc/<pid>/smaps`.
///
/// `ringKiB` is the part of the resident set that is the ring file's mapping (`ring.mmap`): page
/// cache shared with the kernel, counted in the process's RSS once touched and until unmapped or
/// released (`madvise(MADV_DONTNEED)`).
struct ResidentMemory: CustomStringConvertible {
    var totalKiB = 0
    var anonymousKiB = 0
    var fileKiB = 0
    var ringKiB = 0

    init(pid: Int32) {
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
                switch fields[0] {
                case "VmRSS:": totalKiB = kib
                case "RssAnon:": anonymousKiB = kib
                case "RssFile:": fileKiB = kib
                default: break
                }
            }
        }
        ringKiB = Self.mappingResidentKiB(pid: pid, pathSuffix: "/ring.mmap")
    }

    /// The summed `Rss:` of every mapping of a file whose path ends in `pathSuffix`.
    static func mappingResidentKiB(pid: Int32, pathSuffix: String) -> Int {
        // Read to the end: /proc files report a size of 0, and Foundation's sized read of the (long)
        // smaps comes back cut short or empty.
        guard let file = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps") else { return 0 }
        defer { try? file.close() }
        let smaps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        var inside = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), first.first?.isHexDigit == true, fields.count >= 5 {
                // A mapping's header line: address range, perms, offset, device, inode[, path].
                inside = fields.count >= 6 && fields[5].hasSuffix(pathSuffix)
            } else if inside, first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
                total += kib
            }
        }
        return total
    }

    var description: String {
        String(format: "RSS %.1f MiB (anonymous %.1f, file %.1f, of it the ring %.1f)",
               Double(totalKiB) / 1024, Double(anonymousKiB) / 1024, Double(fileKiB) / 1024, Double(ringKiB) / 1024)
    }
}
