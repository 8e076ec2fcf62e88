import CMosquitto
import CReadBuffer
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension MQTTClient {
    /// libmosquitto's network loop on a thread of ours, in place of `mosquitto_loop_start`.
    ///
    /// Why not libmosquitto's own thread: `mosquitto_loop` selects before every packet (it reads
    /// at most one QoS 1 PUBLISH per wake-up), and each queued packet — every PUBACK — also writes
    /// a byte to its internal socket pair that the next select must read back. Here one `poll`
    /// wake-up reads every packet the socket holds (`mosquitto_loop_read` until EAGAIN), then
    /// writes their PUBACKs in one `mosquitto_loop_write`, corked into one TCP segment.
    ///
    /// What is kept: the handle is marked threaded (`mosquitto_threaded_set`), so libmosquitto
    /// only queues a PUBACK while reading and this loop writes it after `on_message` has returned
    /// (the gateway acknowledges nothing before the message is in its ring); keepalive
    /// (`mosquitto_loop_misc` every pass, at least once a second); reconnects with the configured
    /// backoff; and the same fatal errors as `mosquitto_loop_forever` end the loop.
    ///
    /// Thread rules: `start()` once; `wake()` from any thread (it coalesces); `join()` once, not
    /// from the loop thread.
    final class NetworkLoop: @unchecked Sendable {
        private let handle: OpaquePointer
        private let core: Core
        private let reconnectDelayMin: UInt32
        private let reconnectDelayMax: UInt32
        /// libmosquitto's `reconnect_exponential_backoff`, as `configure` sets it.
        private let exponentialBackoff: Bool
        /// False for TLS: OpenSSL reads the socket with read() itself, record by record, and its
        /// decrypted bytes must be the only buffer between the socket and libmosquitto.
        private let bufferReads: Bool
        private let wakePipe: WakePipe
        private var thread: pthread_t?
        /// Passes that polled the connected socket (tests check that a burst takes few).
        let passes = Atomic<Int>(0)

        /// Packets read per wake-up at most, so a steady inbound stream cannot starve writes and keepalive.
        static let maxPacketsPerWake = 512

        init(handle: OpaquePointer, core: Core, options: Options, bufferReads: Bool) throws(MQTTError) {
            self.handle = handle
            self.core = core
            self.bufferReads = bufferReads
            let minDelay = UInt32(clamping: options.reconnectDelayMin.wholeSeconds(minimum: 1))
            let maxDelay = max(minDelay, UInt32(clamping: options.reconnectDelayMax.wholeSeconds(minimum: 1)))
            self.reconnectDelayMin = minDelay
            self.reconnectDelayMax = maxDelay
            self.exponentialBackoff = maxDelay > minDelay
            self.wakePipe = try WakePipe()
        }

        func start() throws(MQTTError) {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { context in
                #if canImport(Darwin)
                let loop = Unmanaged<NetworkLoop>.fromOpaque(context).takeRetainedValue()
                #else
                let loop = Unmanaged<NetworkLoop>.fromOpaque(context!).takeRetainedValue()
                #endif
                loop.run()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<NetworkLoop>.fromOpaque(context).release()
                throw MQTTError(rc: MOSQ_ERR_ERRNO.rawValue, errnoValue: rc, context: "starting the MQTT loop thread")
            }
            self.thread = thread
        }

        /// Makes the loop look at the handle again now: a packet was queued from another thread.
        func wake() { wakePipe.wake() }

        /// Waits for the loop thread to end (after `core.stopped` was set and `wake()` called).
        func join() {
            guard let thread else { return }
            self.thread = nil
            _ = pthread_join(thread, nil)
        }

        // MARK: The loop (loop thread)

        private func run() {
            core.noteLoopThread()
            defer { mash_read_buffer_detach() }
            var reconnects: UInt32 = 0
            // The last pass stopped at `maxPacketsPerWake` with the socket not yet found empty.
            var readCut = false
            var stopDeadline: ContinuousClock.Instant?
            let clock = ContinuousClock()
            while true {
                let socket = mosquitto_socket(handle)
                if core.stopped.load(ordering: .acquiring) {
                    // Let a queued DISCONNECT (and the final message) go out, bounded.
                    let deadline = stopDeadline ?? clock.now + .seconds(2)
                    stopDeadline = deadline
                    if socket < 0 || clock.now >= deadline { return }
                }
                if socket < 0 {
                    // Before a reconnect can reuse the fd number.
                    mash_read_buffer_detach()
                    let delay = nextReconnectDelay(&reconnects)
                    if waitForWake(timeoutMilliseconds: Int32(clamping: Int(delay) * 1000)) { continue }
                    let rc = mosquitto_reconnect(handle)
                    if rc != MOSQ_ERR_SUCCESS.rawValue {
                        let error = MQTTError(rc: rc, errnoValue: errno, context: "reconnect to \(core.broker)")
                        core.state.withLock { $0.lastError = error }
                    }
                    continue
                }
                if core.connected.load(ordering: .relaxed) { reconnects = 0 }
                if mash_read_buffer_fd() != socket { _ = mash_read_buffer_attach(socket, bufferReads ? 1 : 0) }
                // Bytes already in the read buffer (or, with TLS, maybe decrypted in OpenSSL's):
                // the socket may look empty, the packet is here.
                let buffered = mash_read_buffer_pending() > 0 || readCut
                let wantsWrite = mosquitto_want_write(handle)
                passes.add(1, ordering: .relaxed)
                var fds = (
                    pollfd(fd: socket, events: Int16(POLLIN) | (wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
                    pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0))
                let ready = withUnsafeMutableBytes(of: &fds) { raw in
                    poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), 2, buffered ? 0 : 1000)
                }
                if ready < 0 && errno != EINTR { usleep(10_000) }
                if fds.1.revents != 0 { wakePipe.drain() }
                var rc = MOSQ_ERR_SUCCESS.rawValue
                var packets = 0
                if buffered || fds.0.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                    (rc, packets) = readAvailable()
                }
                readCut = packets >= Self.maxPacketsPerWake
                if rc == MOSQ_ERR_SUCCESS.rawValue && mosquitto_socket(handle) >= 0 && mosquitto_want_write(handle) {
                    rc = writeQueued(corked: packets > 1)
                }
                if rc == MOSQ_ERR_SUCCESS.rawValue && mosquitto_socket(handle) >= 0 {
                    rc = mosquitto_loop_misc(handle)
                }
                if rc != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) != socket { mash_read_buffer_detach() }
                if rc != MOSQ_ERR_SUCCESS.rawValue && Self.endsTheLoop(rc) {
                    // As `mosquitto_loop_forever`: a protocol, TLS or authorisation failure is not retried.
                    let error = MQTTError(rc: rc, errnoValue: errno, context: "connection to \(core.broker)")
                    // Keeps a more precise cause of the same kind (the log callback's OpenSSL line).
                    core.state.withLock { if $0.lastError?.code != error.code { $0.lastError = error } }
                    core.connected.store(false, ordering: .releasing)
                    core.logger.error("MQTT loop ended; not reconnecting", metadata: ["error": "\(error)"])
                    return
                }
            }
        }

        /// Reads every complete packet the socket holds (bounded), running the callbacks.
        ///
        /// `mosquitto_loop_read` returns success both after a packet and when the socket ran dry,
        /// and ends its own batch as soon as errno is EAGAIN. errno cannot tell the two apart here:
        /// with no `mosquitto_loop` reading it, libmosquitto's internal socket pair fills up after a
        /// few hundred queued packets, and from then on every queued PUBACK's wake-up byte fails
        /// with EAGAIN. So the read buffer itself says when a read of the socket found nothing.
        /// Returns the first error, and how many reads completed (about the packets read).
        private func readAvailable() -> (Int32, Int) {
            var packets = 0
            while packets < Self.maxPacketsPerWake {
                mash_read_buffer_clear_would_block()
                let rc = mosquitto_loop_read(handle, 1)
                if rc != MOSQ_ERR_SUCCESS.rawValue { return (rc, packets) }
                if mash_read_buffer_would_block() != 0 || mosquitto_socket(handle) < 0 { break }
                packets += 1
            }
            return (MOSQ_ERR_SUCCESS.rawValue, packets)
        }

        /// Writes everything queued. `corked`: several packets were read, so several PUBACKs are
        /// queued; TCP_CORK makes them one segment (one trip through loopback and the broker's
        /// receive path instead of one per PUBACK), worth its two setsockopt calls.
        private func writeQueued(corked: Bool) -> Int32 {
            let socket = mosquitto_socket(handle)
            if corked { setCork(socket, true) }
            let rc = mosquitto_loop_write(handle, 1)
            if corked && rc == MOSQ_ERR_SUCCESS.rawValue && mosquitto_socket(handle) >= 0 { setCork(socket, false) }
            return rc
        }

        private func setCork(_ socket: Int32, _ on: Bool) {
            #if os(Linux)
            var value: Int32 = on ? 1 : 0
            _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
            #endif
        }

        /// Sleeps up to `timeoutMilliseconds` unless woken; true when woken (e.g. by `stop()`).
        private func waitForWake(timeoutMilliseconds: Int32) -> Bool {
            var fd = pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fd, 1, timeoutMilliseconds)
            guard ready > 0 else { return false }
            wakePipe.drain()
            return true
        }

        /// `mosquitto_loop_forever`'s delay before reconnect attempt `reconnects + 1`.
        private func nextReconnectDelay(_ reconnects: inout UInt32) -> UInt32 {
            var delay: UInt32
            if reconnectDelayMax > reconnectDelayMin {
                let step = reconnects &+ 1
                delay = exponentialBackoff ? reconnectDelayMin &* step &* step : reconnectDelayMin &* step
                if step > 65_535 { delay = reconnectDelayMax }
            } else {
                delay = reconnectDelayMin
            }
            if delay > reconnectDelayMax {
                delay = reconnectDelayMax
            } else {
                reconnects &+= 1
            }
            return delay
        }

        /// The errors after which `mosquitto_loop_forever` returns instead of reconnecting.
        static func endsTheLoop(_ rc: Int32) -> Bool {
            switch rc {
            case MOSQ_ERR_NOMEM.rawValue, MOSQ_ERR_PROTOCOL.rawValue, MOSQ_ERR_INVAL.rawValue, MOSQ_ERR_NOT_FOUND.rawValue,
                MOSQ_ERR_TLS.rawValue, MOSQ_ERR_PAYLOAD_SIZE.rawValue, MOSQ_ERR_NOT_SUPPORTED.rawValue, MOSQ_ERR_AUTH.rawValue,
                MOSQ_ERR_ACL_DENIED.rawValue, MOSQ_ERR_UNKNOWN.rawValue, MOSQ_ERR_EAI.rawValue, MOSQ_ERR_PROXY.rawValue:
                true
            default:
                errno == EPROTO
            }
        }
    }
}
