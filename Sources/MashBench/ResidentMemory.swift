import Foundation
import TestSupport

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
        ringKiB = residentKiB(ofMappingsEndingIn: "/ring.mmap", pid: pid)
    }

    var description: String {
        String(format: "RSS %.1f MiB (anonymous %.1f, file %.1f, of it the ring %.1f)",
               Double(totalKiB) / 1024, Double(anonymousKiB) / 1024, Double(fileKiB) / 1024, Double(ringKiB) / 1024)
    }
}
