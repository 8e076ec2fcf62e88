@testable import Gateway
import Testing

@Suite("ProcessStats: /proc/self")
struct ProcessStatsProcTests {
    @Test func residentIsTheSecondStatmFieldInPages() {
        #expect(ProcessStats.residentBytes(statm: "1234 567 89 10 0 300 0\n", pageSize: 4096) == 567 * 4096)
        #expect(ProcessStats.residentBytes(statm: "1234", pageSize: 4096) == nil)
        #expect(ProcessStats.residentBytes(statm: "a b c", pageSize: 4096) == nil)
    }

    @Test func thisProcessHasMemoryAndDescriptors() throws {
        let stats = ProcessStats.read()
        let resident = try #require(stats.residentBytes)
        #expect(resident > 1 << 20)
        #expect(try #require(stats.openFileDescriptors) >= 3)
    }
}
