#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one funnel for C calls: a result of -1 becomes a `RingError` naming the call, the file and errno's text.
///
/// Like swift-nio's `syscall(blocking:where:_:)`: callers never look at errno themselves. EINTR is
/// retried unless `retryOnInterrupt` is false (`close` must not be retried on Linux). Calls that
/// return a pointer (mmap) or an error number (posix_fallocate) adapt inside their closure.
@discardableResult
@inline(__always)
func systemCall<R: FixedWidthInteger>(
    _ name: StaticString,
    path: String?,
    retryOnInterrupt: Bool = true,
    _ body: () -> R
) throws(RingError) -> R {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR && retryOnInterrupt { continue }
        throw RingError(
            code: code == EWOULDBLOCK && "\(name)" == "flock" ? .lockedByAnotherProcess : .systemCall,
            path: path,
            detail: "\(name) failed: \(String(cString: strerror(code))) (errno \(code))",
            errno: code
        )
    }
}
