#ifndef MASH_READ_BUFFER_H
#define MASH_READ_BUFFER_H

#include <stddef.h>

/// Routes the calling thread's read(2) calls on `fd` through a 64 KiB user-space buffer.
///
/// Why: libmosquitto reads each MQTT packet with one read() for the fixed header byte, one per
/// remaining-length byte and one for the body; on this kind of machine each read() of a few bytes
/// costs about a microsecond of kernel time. Buffered, one read() serves every packet the socket
/// holds. Only the attaching thread is affected (the state is thread-local) and only for `fd`;
/// every other read() in the process goes straight to libc. Attaching a new fd drops what was
/// buffered for the old one. Returns 0, or -1 when the buffer cannot be allocated (then reads are
/// not buffered).
int mash_read_buffer_attach(int fd);

/// Drops (and frees) the calling thread's buffer: call when the socket closes, before its fd
/// number can be reused, and before the thread ends.
void mash_read_buffer_detach(void);

/// Bytes buffered for the calling thread and not yet returned by read(): while non-zero, poll(2)
/// on the socket can say "nothing to read" although a packet is waiting here.
size_t mash_read_buffer_pending(void);

/// The fd the calling thread's buffer is attached to, or -1.
int mash_read_buffer_fd(void);

#endif
