import Foundation

/// The summed `Rss:` (KiB) of every mapping in process `pid` of a file whose path ends in
/// `pathSuffix`, from `/proc/<pid>/smaps`: how much of a mapped file (the ring) is resident.
///
/// Read to the end: /proc files report a size of 0, and Foundation's read sized by it comes back
/// cut short or empty for a long file like smaps.
public func residentKiB(ofMappingsEndingIn pathSuffix: String, pid: Int32 = getpid()) -> Int {
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
