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
    /// What libmosquitto's callbacks reach through the `obj` pointer.
    ///
    /// The client holds the only strong reference and destroys the handle (after joining the
    /// loop thread) before releasing it, so a callback never sees a dead `Core`.
    final class Core: @unchecked Sendable {
        struct Subscription: Sendable {
            var filter: String
            var qos: MQTTQoS
        }

        enum Lifecycle { case created, started, stopping, stopped }

        struct State: Sendable {
            var lifecycle: Lifecycle = .created
            var subscriptions: [Subscription] = []
            var lastError: MQTTError?
            /// While `stop(finalMessage:)` waits for its PUBACK.
            var trackAcks = false
            var acked: Set<Int32> = []
        }

        let logger: Logger
        /// Whether libmosquitto's debug-level lines (one per packet) are forwarded; fixed at init.
        let forwardsDebugLines: Bool
        let broker: String
        let state = Mutex(State())
        let connected = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        /// The loop thread's id, learned in its first callback; 0 until then.
        let loopThread = Atomic<UInt>(0)
        // Read by the loop thread without a lock; written only by `releaseHandlers()`, after
        // `mosquitto_loop_stop` has joined that thread (the join orders the accesses).
        private var onEvent: EventHandler?
        private var onMessage: MessageHandler?

        init(logger: Logger, broker: String, onEvent: EventHandler?, onMessage: @escaping MessageHandler) {
            self.logger = logger
            self.forwardsDebugLines = logger.logLevel <= .debug
            self.broker = broker
            self.onEvent = onEvent
            self.onMessage = onMessage
        }

        var isOnLoopThread: Bool {
            let loop = loopThread.load(ordering: .relaxed)
            return loop != 0 && loop == currentThreadID()
        }

        func releaseHandlers() {
            onEvent = nil
            onMessage = nil
        }

        @inline(__always)
        func noteLoopThread() {
            if loopThread.load(ordering: .relaxed) == 0 {
                loopThread.store(currentThreadID(), ordering: .relaxed)
            }
        }

        // MARK: Callbacks (loop thread)

        func connectCallback(_ mosq: OpaquePointer, rc: Int32, flags: Int32) {
            noteLoopThread()
            guard rc == 0 else {
                let error = MQTTError(connack: rc, context: "CONNACK from \(broker)")
                state.withLock { $0.lastError = error }
                logger.warning("MQTT connection refused", metadata: ["error": "\(error)"])
                onEvent?(.connectionRefused(error))
                return
            }
            let subscriptions = state.withLock { state in
                state.lastError = nil
                return state.subscriptions
            }
            for subscription in subscriptions {
                do {
                    try check(mosquitto_subscribe(mosq, nil, subscription.filter, subscription.qos.rawValue),
                              "resubscribe(\(subscription.filter))")
                } catch {
                    logger.warning("MQTT resubscribe failed", metadata: ["error": "\(error)"])
                }
            }
            let sessionPresent = flags & 1 != 0
            logger.info("MQTT connected", metadata: [
                "broker": "\(broker)", "session_present": "\(sessionPresent)", "subscriptions": "\(subscriptions.count)",
            ])
            onEvent?(.connected(sessionPresent: sessionPresent))
            // After the handler: whoever sees `isConnected` also sees the handler's effects.
            connected.store(true, ordering: .releasing)
        }

        func disconnectCallback(rc: Int32) {
            noteLoopThread()
            // libmosquitto has just closed the socket: from now on its fd number may name a file
            // or socket that a handler (or the event handler below) opens and reads on this thread.
            mash_read_buffer_detach()
            connected.store(false, ordering: .releasing)
            let unexpected = rc != 0
            let reason = MQTTError.disconnectReason(rc)
            if unexpected {
                let error = MQTTError(code: rc == MOSQ_ERR_KEEPALIVE.rawValue ? .connectionLost : Self.disconnectCode(rc),
                                      rc: rc, message: reason, context: "connection to \(broker)")
                state.withLock { $0.lastError = error }
                logger.warning("MQTT connection lost; reconnecting", metadata: ["reason": "\(reason)", "rc": "\(rc)"])
            } else {
                logger.info("MQTT disconnected", metadata: ["broker": "\(broker)"])
            }
            onEvent?(.disconnected(rc: rc, reason: reason, unexpected: unexpected))
        }

        private static func disconnectCode(_ rc: Int32) -> MQTTError.Code {
            rc >= 128 ? .connectionLost : MQTTError(rc: rc, errnoValue: 0, context: "").code
        }

        func subscribeCallback(messageID: Int32, count: Int32, granted: UnsafePointer<Int32>?) {
            let grantedQoS = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            if grantedQoS.contains(where: { $0 >= 128 }) {
                logger.warning("MQTT subscription refused by the broker", metadata: ["mid": "\(messageID)"])
            }
            onEvent?(.subscribed(messageID: messageID, grantedQoS: grantedQoS))
        }

        func publishCallback(messageID: Int32) {
            let savedErrno = errno  // as in `messageCallback`
            defer { errno = savedErrno }
            state.withLock { state in
                if state.trackAcks { state.acked.insert(messageID) }
            }
            onEvent?(.published(messageID: messageID))
        }

        @inline(__always)
        func messageCallback(_ message: UnsafePointer<mosquitto_message>) {
            noteLoopThread()
            guard let onMessage else { return }
            let m = message.pointee
            let topic = m.topic.map { UnsafeRawBufferPointer(start: $0, count: strlen($0)) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            let payload = UnsafeRawBufferPointer(start: m.payload, count: Int(max(0, m.payloadlen)))
            let view = MQTTMessageView(
                topic: topic, payload: payload,
                qos: MQTTQoS(rawValue: m.qos) ?? .atMostOnce, retain: m.retain, messageID: m.mid)
            // libmosquitto reads errno after each packet to learn whether the socket ran dry; a
            // handler's own EAGAIN (a futex, a non-blocking fd) must not end its read batch early.
            let savedErrno = errno
            onMessage(view)
            errno = savedErrno
        }

        func logCallback(level: Int32, text: UnsafePointer<CChar>?) {
            guard let text else { return }
            if level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0 {
                let line = String(cString: text)
                if level & MOSQ_LOG_ERR != 0 {
                    // The only report of a failure inside the loop thread, e.g. a TLS handshake
                    // ("OpenSSL Error[0]: … certificate verify failed"), which ends the loop.
                    let code: MQTTError.Code = line.hasPrefix("OpenSSL Error") ? .tls : .other
                    let error = MQTTError(code: code, rc: MOSQ_ERR_UNKNOWN.rawValue, message: line, context: "libmosquitto (\(broker))")
                    state.withLock { $0.lastError = error }
                    logger.error("\(line)")
                } else {
                    logger.warning("\(line)")
                }
            } else if forwardsDebugLines {
                logger.debug("\(String(cString: text))", metadata: ["mosquitto.level": "\(level)"])
            }
        }

        // MARK: Installation

        /// Sets every C callback once; the closures capture nothing and find `Core` through `obj`.
        /// `logging`: whether libmosquitto's log lines are wanted (TLS, whose errors arrive only
        /// there, or a debug logger). Without it no log callback is set, and libmosquitto formats
        /// nothing per packet (it would otherwise vsnprintf a line for every message and PUBACK).
        static func installCallbacks(on handle: OpaquePointer, logging: Bool) {
            mosquitto_connect_v5_callback_set(handle) { mosq, obj, rc, flags, _ in
                guard let mosq, let obj else { return }
                Unmanaged<Core>.fromOpaque(obj).takeUnretainedValue().connectCallback(mosq, rc: rc, flags: flags)
            }
            mosquitto_disconnect_callback_set(handle) { _, obj, rc in
                guard let obj else { return }
                Unmanaged<Core>.fromOpaque(obj).takeUnretainedValue().disconnectCallback(rc: rc)
            }
            mosquitto_subscribe_callback_set(handle) { _, obj, mid, count, granted in
                guard let obj else { return }
                Unmanaged<Core>.fromOpaque(obj).takeUnretainedValue().subscribeCallback(messageID: mid, count: count, granted: granted)
            }
            mosquitto_publish_callback_set(handle) { _, obj, mid in
                guard let obj else { return }
                Unmanaged<Core>.fromOpaque(obj).takeUnretainedValue().publishCallback(messageID: mid)
            }
            mosquitto_message_callback_set(handle) { _, obj, message in
                guard let obj, let message else { return }
                Unmanaged<Core>.fromOpaque(obj)._withUnsafeGuaranteedRef { $0.messageCallback(message) }
            }
            // Errors inside the loop thread (TLS) are reported only through the log callback; with
            // it, libmosquitto formats a line per packet, and lines below warning are dropped
            // before any Swift string is made unless debug is on.
            guard logging else { return }
            mosquitto_log_callback_set(handle) { _, obj, level, text in
                guard let obj else { return }
                Unmanaged<Core>.fromOpaque(obj)._withUnsafeGuaranteedRef { $0.logCallback(level: level, text: text) }
            }
        }
    }
}

/// A number identifying the calling thread, comparable across calls.
@inline(__always)
func currentThreadID() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}
