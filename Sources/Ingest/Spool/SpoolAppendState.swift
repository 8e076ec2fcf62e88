/// Whether the spool takes batches, and when that changes: what the writers say about it.
///
/// Writers retry a batch the spool refused until it is taken, so a refusal repeats every few
/// seconds per writer; this value turns those repeats into one line when appends stop (the spool
/// at `ingest.spool_max_mb`, its filesystem out of space, another I/O error) and one when they
/// resume. A value that takes outcomes and returns changes; the writer pool logs and sets the
/// `mash_spool_blocked{reason}` gauge from them.
struct SpoolAppendState: Sendable, Equatable {
    enum Outcome: String, Sendable, Equatable, CaseIterable {
        case appended
        /// At `ingest.spool_max_mb`.
        case full
        /// The filesystem has no space left (ENOSPC) or the user's quota is used up (EDQUOT).
        case noSpace = "no_space"
        /// Any other write or sync failure.
        case ioError = "io_error"
    }

    enum Change: Sendable, Equatable {
        case none
        /// Appends stopped for this reason (or the reason changed).
        case blocked(Outcome)
        /// Appends work again after being blocked for this reason.
        case resumed(after: Outcome)
    }

    /// Why appends fail now; nil while they work.
    private(set) var blockedBy: Outcome?

    mutating func record(_ outcome: Outcome) -> Change {
        if outcome == .appended {
            guard let previous = blockedBy else { return .none }
            blockedBy = nil
            return .resumed(after: previous)
        }
        guard blockedBy != outcome else { return .none }
        blockedBy = outcome
        return .blocked(outcome)
    }

    /// The outcome of an append that threw: ENOSPC and EDQUOT are a full disk, anything else an I/O error.
    static func outcome(ofErrno code: Int32?) -> Outcome {
        code == noSpaceErrno || code == quotaErrno ? .noSpace : .ioError
    }

    /// Linux's ENOSPC and EDQUOT (spelled out so this value needs no C import).
    static let noSpaceErrno: Int32 = 28
    static let quotaErrno: Int32 = 122
}
