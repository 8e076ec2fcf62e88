/// glibc's allocator settings for a long-running daemon with many threads.
///
/// glibc gives each thread that allocates concurrently its own arena, up to eight per core; memory
/// freed in one arena is not reused by another and rarely returned to the kernel, so a dozen
/// worker threads (libmosquitto's loop, the ingest consumer, the writers, presence, commands,
/// alerts, Dispatch's pool) keep several megabytes each of freed memory resident. Two arenas keep
/// contention low for the few threads that allocate on the hot path (none do per reading).
enum MallocTuning {
    /// Caps the arenas (`mallopt(M_ARENA_MAX, …)`, which the Glibc module does not import); call
    /// before the worker threads start. A no-op off Linux.
    static func apply(arenas: Int32 = 2) {
        #if os(Linux)
        _ = glibcMallopt(mArenaMax, arenas)
        #endif
    }
}

#if os(Linux)
/// `M_ARENA_MAX` in glibc's `<malloc.h>`.
private let mArenaMax: Int32 = -8

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
