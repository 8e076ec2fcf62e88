@testable import Ingest
import Testing

/// The spool's refusals become one "blocked" and one "resumed" change, whatever the retries.
@Suite("SpoolAppendState: when appends stop and resume")
struct SpoolAppendStateChangesTests {
    @Test("repeated refusals for one reason report once; a new reason reports again; the first success reports the resume")
    func transitions() {
        var state = SpoolAppendState()
        #expect(state.record(.appended) == .none)
        #expect(state.record(.noSpace) == .blocked(.noSpace))
        #expect(state.record(.noSpace) == .none)
        #expect(state.blockedBy == .noSpace)
        #expect(state.record(.full) == .blocked(.full))
        #expect(state.record(.appended) == .resumed(after: .full))
        #expect(state.blockedBy == nil)
        #expect(state.record(.appended) == .none)
    }

    @Test("ENOSPC and EDQUOT are a full disk; other errors are I/O errors")
    func errnoMapping() {
        #expect(SpoolAppendState.outcome(ofErrno: 28) == .noSpace)
        #expect(SpoolAppendState.outcome(ofErrno: 122) == .noSpace)
        #expect(SpoolAppendState.outcome(ofErrno: 5) == .ioError)
        #expect(SpoolAppendState.outcome(ofErrno: nil) == .ioError)
    }
}
