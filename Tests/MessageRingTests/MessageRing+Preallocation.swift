#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import MessageRing

/// A store into a hole of a mapped file on a full filesystem is SIGBUS: the ring reserves its
/// file's blocks at every open, so running out of space is an error at start-up, never a crash later.
@Suite("MessageRing file: blocks reserved", .timeLimit(.minutes(1)))
struct MessageRingPreallocationTests {
    static func allocatedBytes(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return Int(info.st_blocks) * 512
    }

    @Test("a ring file copied sparse (holes in its data area) has every block reserved when it is reopened")
    func sparseFileIsFilledAtReopen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let original = dir.file("ring")
        let capacity = 1 << 20
        do {
            let ring = try MessageRing(path: original, capacity: capacity)
            ring.close()
        }
        #expect(try Self.allocatedBytes(original) >= RingLayout.headerSize + capacity)

        // The same file with only its header written: the data area is one hole.
        let sparse = dir.file("sparse")
        let header = try #require(FileManager.default.contents(atPath: original)).prefix(RingLayout.headerSize)
        #expect(FileManager.default.createFile(atPath: sparse, contents: Data(header)))
        #expect(truncate(sparse, off_t(RingLayout.headerSize + capacity)) == 0)
        #expect(try Self.allocatedBytes(sparse) < capacity / 2)

        let ring = try MessageRing(path: sparse, capacity: capacity)
        defer { ring.close() }
        #expect(!ring.openReport.created)
        #expect(try Self.allocatedBytes(sparse) >= RingLayout.headerSize + capacity)
    }
}
