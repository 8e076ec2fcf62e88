/// Returns the allocator's free pages to the kernel (glibc's `malloc_trim(0)`, which `<malloc.h>`
/// declares and the Glibc module does not import); a no-op elsewhere.
///
/// Called once a large transient structure is gone (the text of a fleet load), so its pages do
/// not stay in the resident set for the life of the process.
enum HeapTrim {
    static func releaseFreePages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
