import CMosquitto

/// `mosquitto_lib_init` runs exactly once per process, on first use of any client.
///
/// A global `let` is initialised lazily and thread-safely by the runtime; its result is kept so
/// every client creation can report a failed initialisation through the usual error funnel.
let mosquittoLibraryInit: Int32 = mosquitto_lib_init()

/// The libmosquitto version linked at run time, e.g. "2.0.11".
public var mosquittoLibraryVersion: String {
    var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
    _ = mosquitto_lib_version(&major, &minor, &revision)
    return "\(major).\(minor).\(revision)"
}
