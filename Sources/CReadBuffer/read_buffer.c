// A read(2) that serves one thread's reads of one socket from a user-space buffer.
//
// The executable defines `read`, so the dynamic linker binds libmosquitto's `read` to this one
// (symbols of the executable come first); everything that is not the attached fd of the calling
// thread is passed to libc's read unchanged (same errno, same cancellation point).
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

static ssize_t pass_through(int fd, void *destination, size_t count) {
    read_function f = libc_read();
    if (f == NULL) return syscall(SYS_read, fd, destination, count);
    return f(fd, destination, count);
}

static __thread int attached_fd = -1;
static __thread unsigned char *buffer;
static __thread size_t buffer_start;
static __thread size_t buffer_end;

int mash_read_buffer_attach(int fd) {
    (void)libc_read();
    buffer_start = 0;
    buffer_end = 0;
    if (buffer == NULL) {
        buffer = malloc(buffer_size);
        if (buffer == NULL) {
            attached_fd = -1;
            return -1;
        }
    }
    attached_fd = fd;
    return 0;
}

void mash_read_buffer_detach(void) {
    attached_fd = -1;
    buffer_start = 0;
    buffer_end = 0;
    free(buffer);
    buffer = NULL;
}

size_t mash_read_buffer_pending(void) {
    return attached_fd < 0 ? 0 : buffer_end - buffer_start;
}

int mash_read_buffer_fd(void) {
    return attached_fd;
}

ssize_t read(int fd, void *destination, size_t count) {
    if (fd != attached_fd || fd < 0) return pass_through(fd, destination, count);
    if (buffer_start == buffer_end) {
        // Large reads (a big message body) go straight into the caller's memory.
        if (count >= buffer_size) return pass_through(fd, destination, count);
        ssize_t filled = pass_through(fd, buffer, buffer_size);
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
