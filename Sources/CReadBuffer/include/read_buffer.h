#ifndef MASH_READ_BUFFER_H
#define MASH_READ_BUFFER_H

#include <stddef.h>

/// Routes the calling thread's read(2) calls on `fd` through a 64 KiB user-space buffer.
///
/// Why: libmosquitto reads each MQTT packet with one read() for the fixed header byte, one per
/// remaining-length byte and one for the body; on this kind of machine each read() of a few bytes
/// costs about a microsecond of kernel time. Buffered, one read() serves every packet the socket
/// holds. Only the attaching thread is affected (the state is thread-local) and only for `fd`;
/// every other read() in the process goes straight to libc. Attaching drops what was buffered
/// before (a new connection never sees an old one's bytes).
///
/// `buffered == 0` watches `fd` without buffering it: reads pass straight to libc (same bytes,
/// same errno) and only `mash_read_buffer_would_block` is kept. For TLS: OpenSSL reads the
/// socket with read() too (its socket BIO), so a TLS socket must never be buffered under it.
/// Returns 0, or -1 when the buffer cannot be allocated (then `fd` is watched, not buffered).
int mash_read_buffer_attach(int fd, int buffered);

/// Stops watching (and frees the calling thread's buffer): call as soon as the socket closes,
/// before its fd number can be reused, and before the thread ends.
void mash_read_buffer_detach(void);

/// Bytes buffered for the calling thread and not yet returned by read(): while non-zero, poll(2)
/// on the socket can say "nothing to read" although a packet is waiting here.
size_t mash_read_buffer_pending(void);

/// The fd the calling thread watches, or -1.
int mash_read_buffer_fd(void);

/// 1 when, since the last `mash_read_buffer_clear_would_block`, a read of the watched fd found
/// nothing in the buffer and nothing in the socket (EAGAIN): everything it held has been
/// consumed. Unlike errno, nothing else the reader does (a handler, a write to a full pipe)
/// can set it.
int mash_read_buffer_would_block(void);

void mash_read_buffer_clear_would_block(void);

#endif
