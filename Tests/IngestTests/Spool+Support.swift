import Foundation
@testable import Ingest
import TestSupport

/// A record whose bytes say which one it is, of a chosen size.
func spoolRecord(_ index: Int, size: Int = 100) -> [UInt8] {
    var bytes = Array("record-\(index)|".utf8)
    while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: index &+ bytes.count)) }
    return Array(bytes.prefix(max(size, 0)))
}

func makeSpoolDirectory() throws -> String {
    try Harness.makeDirectory("spool")
}

/// Segment files in `directory`, oldest first (`.corrupt` ones excluded).
func segmentFiles(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".spool") }.sorted()
        .map { "\(directory)/\($0)" }
}

/// Takes every record out, in order.
func drain(_ spool: Spool) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    while let record = try spool.oldest() {
        out.append(record.bytes)
        try spool.removeOldest()
    }
    return out
}
