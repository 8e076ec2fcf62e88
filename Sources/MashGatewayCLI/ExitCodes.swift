import ArgumentParser

/// What the process's exit status tells systemd and scripts (sysexits(3) numbering).
///
/// systemd's `RestartPreventExitStatus=78` relies on a configuration error being 78: a restart
/// cannot fix it, so the unit stops instead of looping.
enum Exit {
    static let failure = ExitCode(1)
    static let usage = ExitCode(64)
    static let schemaMismatch = ExitCode(65)
    /// The request contradicts the data (sysexits EX_DATAERR): a duplicate, an unknown reference.
    static let dataError = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let configuration = ExitCode(78)
}
