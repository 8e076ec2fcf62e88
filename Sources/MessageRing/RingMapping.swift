#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open, exclusively locked ring file: the thin wrapper over open/flock/fstat/pread/ftruncate/fallocate.
///
/// The lock (`flock`, released by the kernel when the process dies) keeps a second gateway
/// instance from producing into the same ring, which would corrupt it.
final class RingFile {
    let path: String
    let descriptor: Int32

    init(path: String) throws(RingError) {
        self.path = path
        let fd = try systemCall("open", path: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        do {
            // A lock this process just released can stay held for a moment by a child that was
            // forked but has not exec'd yet (it shares the descriptor until exec closes it): retry
            // for up to a second before calling it another instance's.
            var attempts = 0
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                attempts += 1
                if errno != EWOULDBLOCK || attempts >= 20 {
                    try systemCall("flock", path: path) { flock(fd, LOCK_EX | LOCK_NB) }
                    break
                }
                usleep(50_000)
            }
        } catch {
            _ = try? systemCall("close", path: path, retryOnInterrupt: false) { close(fd) }
            throw error
        }
        descriptor = fd
    }

    deinit {
        _ = try? systemCall("close", path: path, retryOnInterrupt: false) { close(descriptor) }
    }

    func size() throws(RingError) -> Int {
        var info = stat()
        try systemCall("fstat", path: path) { fstat(descriptor, &info) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes from offset 0; fewer when the file is shorter.
    func readPrefix(count: Int) throws(RingError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        defer { buffer.deallocate() }
        let (descriptor, base) = (self.descriptor, buffer.baseAddress!)
        var filled = 0
        while filled < count {
            let n = try systemCall("pread", path: path) { pread(descriptor, base + filled, count - filled, off_t(filled)) }
            if n == 0 { break }
            filled += n
        }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
    }

    /// Sets the file to `size` bytes and reserves its blocks, so a full disk fails here, at
    /// start-up, and not later as SIGBUS on a store into the mapping.
    func resize(to size: Int, discardingContents: Bool) throws(RingError) {
        if discardingContents {
            try systemCall("ftruncate", path: path) { ftruncate(descriptor, 0) }
        }
        try systemCall("ftruncate", path: path) { ftruncate(descriptor, off_t(size)) }
        try reserve(size)
    }

    /// Reserves blocks for the first `size` bytes (a no-op where they exist). Every open does it,
    /// not only creation: a ring file copied or restored sparse has holes, and a store into a hole
    /// on a full filesystem is SIGBUS, where this is an ENOSPC error at start-up.
    func reserve(_ size: Int) throws(RingError) {
        #if os(Linux)
        try systemCall("posix_fallocate", path: path) { () -> Int32 in
            let result = posix_fallocate(descriptor, 0, off_t(size))
            if result == 0 { return 0 }
            errno = result
            return -1
        }
        #endif
    }

    /// Makes the file's metadata (size, blocks) durable after creating or resizing it.
    func syncMetadata() throws(RingError) {
        try systemCall("fsync", path: path) { fsync(descriptor) }
    }
}

/// A shared mapping of a ring file, or of anonymous memory for tests and benchmarks.
///
/// `MAP_SHARED` over a file is what makes a pushed record survive SIGKILL: the stores land in the
/// page cache, which outlives the process. `sync` bounds what a power cut can take.
final class RingMapping {
    let file: RingFile?
    let base: UnsafeMutableRawPointer
    let size: Int

    static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(file: RingFile?, size: Int) throws(RingError) {
        self.file = file
        self.size = size
        let path = file?.path
        let address = try systemCall("mmap", path: path) { () -> Int in
            let pointer: UnsafeMutableRawPointer?
            if let file {
                pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, file.descriptor, 0)
            } else {
                pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
            }
            return Int(bitPattern: pointer)
        }
        base = UnsafeMutableRawPointer(bitPattern: address)!
    }

    deinit {
        let (base, size, path) = (self.base, self.size, file?.path)
        _ = try? systemCall("munmap", path: path) { munmap(base, size) }
    }

    /// Drops `pages` (page-aligned offsets into the mapping) from the process's resident set.
    ///
    /// The mapping is shared, so nothing is lost: the contents stay in the page cache (or shared
    /// memory) and come back on the next access. `madvise` fails only for a range outside the
    /// mapping or not page-aligned, a programming error.
    func discard(_ pages: Range<Int>) {
        let result = madvise(base + pages.lowerBound, pages.count, MADV_DONTNEED)
        assert(result == 0, "madvise(MADV_DONTNEED, \(pages)) failed: errno \(errno)")
    }

    /// Writes the pages covering `offset..<offset+length` to the file and waits (MS_SYNC); no-op when anonymous.
    func sync(offset: Int, length: Int) throws(RingError) {
        guard let file, length > 0 else { return }
        let page = Self.pageSize
        let start = offset / page * page
        let end = min(size, (offset + length + page - 1) / page * page)
        let base = self.base
        try systemCall("msync", path: file.path) { msync(base + start, end - start, MS_SYNC) }
    }
}
