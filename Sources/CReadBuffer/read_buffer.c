// A read(2) that serves one thread's reads of one socket from a user-space buffer.
//
// The executable defines `read`, so the dynamic linker binds libmosquitto's (and libcrypto's)
// `read` to this one (symbols of the executable come first); everything that is not the watched
// fd of the calling thread is passed to libc's read unchanged (same errno, same cancellation point).
#define _GNU_SOURCE
#include "read_buffer.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { buffer_size = 64 * 1024 };

typedef ssize_t (*read_function)(int, void *, size_t);

static _Atomic(read_function) libc_read_pointer;

static read_function libc_read(void) {
    read_function f = atomic_load_explicit(&libc_read_pointer, memory_order_acquire);
    if (f == NULL) {
        f = (read_function)dlsym(RTLD_NEXT, "read");
        atomic_store_explicit(&libc_read_pointer, f, memory_order_release);
    }
    return f;
}

// Resolved at load time: the first read() may come from anywhere later (a signal handler,
// a thread holding the loader's lock), where dlsym must not run.
__attribute__((constructor)) static void resolve_libc_read(void) { (void)libc_read(); }

static ssize_t pass_through(int fd, void *destination, size_t count) {
    read_function f = libc_read();
    if (f == NULL) return syscall(SYS_read, fd, destination, count);
    return f(fd, destination, count);
}

static __thread int watched_fd = -1;
static __thread int buffering;
static __thread int would_block;
static __thread unsigned char *buffer;
static __thread size_t buffer_start;
static __thread size_t buffer_end;

int mash_read_buffer_attach(int fd, int buffered) {
    buffer_start = 0;
    buffer_end = 0;
    would_block = 0;
    watched_fd = fd;
    buffering = 0;
    if (!buffered) return 0;
    if (buffer == NULL) {
        buffer = malloc(buffer_size);
        if (buffer == NULL) return -1;
    }
    buffering = 1;
    return 0;
}

void mash_read_buffer_detach(void) {
    watched_fd = -1;
    buffering = 0;
    would_block = 0;
    buffer_start = 0;
    buffer_end = 0;
    free(buffer);
    buffer = NULL;
}

size_t mash_read_buffer_pending(void) {
    return watched_fd < 0 ? 0 : buffer_end - buffer_start;
}

int mash_read_buffer_fd(void) {
    return watched_fd;
}

int mash_read_buffer_would_block(void) {
    return would_block;
}

void mash_read_buffer_clear_would_block(void) {
    would_block = 0;
}

// One read of the socket itself; notes whether it found nothing (errno as libc left it).
static ssize_t read_socket(int fd, void *destination, size_t count) {
    ssize_t n = pass_through(fd, destination, count);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) would_block = 1;
    return n;
}

ssize_t read(int fd, void *destination, size_t count) {
    if (fd != watched_fd || fd < 0) return pass_through(fd, destination, count);
    if (!buffering) return read_socket(fd, destination, count);
    if (buffer_start == buffer_end) {
        // Large reads (a big message body) go straight into the caller's memory.
        if (count >= buffer_size) return read_socket(fd, destination, count);
        ssize_t filled = read_socket(fd, buffer, buffer_size);
        if (filled <= 0) return filled;  // EOF, EAGAIN or an error, errno as libc left it
        buffer_start = 0;
        buffer_end = (size_t)filled;
    }
    size_t available = buffer_end - buffer_start;
    size_t n = available < count ? available : count;
    memcpy(destination, buffer + buffer_start, n);
    buffer_start += n;
    return (ssize_t)n;
}
