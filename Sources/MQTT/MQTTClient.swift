import CMosquitto
import ConnectionURL
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An MQTT client: a thin, thread-safe owner of one libmosquitto handle and its network thread.
///
/// `start()` connects asynchronously and starts the loop thread (`NetworkLoop`), which reads,
/// writes, pings and reconnects (with exponential backoff); the subscriptions made
/// with `subscribe(_:qos:)` are re-sent after every (re)connect. `stop()` optionally publishes a
/// last message, sends DISCONNECT (so the broker does not publish the will), and joins the thread.
///
/// Thread rules (the compiler cannot check them across the C boundary):
/// - `start()` and `stop()` are called by the owner, not concurrently with each other, and never
///   from a handler: `stop()` joins the loop thread the handlers run on (a precondition checks it).
/// - `publish`, `subscribe`, `unsubscribe`, `isConnected`, `lastError` and
///   `waitForConnection(timeout:)` may be called from any thread, including from handlers.
/// - The message and event handlers run on the loop thread, one at a time and in order. While a
///   handler runs nothing else happens on the connection (no reads, no PUBACKs, no pings), so a
///   handler must return well within the keepalive interval. It must not block on Swift
///   concurrency; hand work over (e.g. to a ring buffer) instead.
/// - After `stop()` returns no handler runs again and the handlers are released (this breaks a
///   retain cycle if a handler captured the client).
///
/// Callbacks find the client through libmosquitto's `obj` pointer (`Unmanaged`), never a global
/// map; the C callbacks are set once, in `init`, never from inside a callback.
public final class MQTTClient: @unchecked Sendable {
    /// Receives each message on the loop thread; the view is valid only during the call.
    public typealias MessageHandler = @Sendable (borrowing MQTTMessageView) -> Void
    /// Receives connection events on the loop thread.
    public typealias EventHandler = @Sendable (MQTTEvent) -> Void

    /// The broker address, password masked in `description`.
    public let url: MQTTURL
    public let clientID: String
    private let options: Options
    private let handle: OpaquePointer
    private let core: Core
    private let loop: NetworkLoop

    /// Creates the libmosquitto handle and applies every option; nothing touches the network yet.
    ///
    /// Throws `.invalidURL` for a malformed URL and `.invalidArgument` for inconsistent options.
    public init(
        options: Options,
        logger: Logger = Logger(label: "mash.mqtt"),
        onEvent: EventHandler? = nil,
        onMessage: @escaping MessageHandler
    ) throws(MQTTError) {
        try check(mosquittoLibraryInit, "mosquitto_lib_init")
        let url: MQTTURL
        do {
            url = try MQTTURL(parsing: options.url)
        } catch {
            throw MQTTError(code: .invalidURL, rc: 3, message: error.message, context: "MQTT URL")
        }
        if !options.cleanSession && options.clientID.isEmpty {
            throw .invalidArgument("a persistent session (cleanSession false) needs a client id", "MQTTClient(\(url))")
        }
        if !url.useTLS && !options.tls.isEmpty {
            throw .invalidArgument("TLS files are set but the URL is mqtt://, not mqtts://", "MQTTClient(\(url))")
        }
        self.url = url
        self.clientID = options.clientID
        self.options = options
        var logger = logger
        logger[metadataKey: "mqtt.client"] = "\(options.clientID)"
        let core = Core(logger: logger, broker: url.description, onEvent: onEvent, onMessage: onMessage)
        self.core = core

        let obj = Unmanaged.passUnretained(core).toOpaque()
        let created: OpaquePointer? = options.clientID.isEmpty
            ? mosquitto_new(nil, options.cleanSession, obj)
            : mosquitto_new(options.clientID, options.cleanSession, obj)
        guard let handle = created else {
            let savedErrno = errno
            throw MQTTError(rc: MOSQ_ERR_ERRNO.rawValue, errnoValue: savedErrno, context: "mosquitto_new(\(options.clientID))")
        }
        self.handle = handle
        do {
            try configure(handle, options: options, url: url, logger: logger)
            // Our thread runs the loop; marked threaded, libmosquitto only queues packets (a PUBACK
            // among them) and never writes from inside a read, so PUBACKs follow the handler.
            try check(mosquitto_threaded_set(handle, true), "mosquitto_threaded_set")
            self.loop = try NetworkLoop(handle: handle, core: core, options: options, bufferReads: !url.useTLS)
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
        Core.installCallbacks(on: handle, logging: url.useTLS || logger.logLevel <= .debug)
    }

    deinit {
        if core.isOnLoopThread {
            // Dropped from inside a handler: the loop thread cannot join itself. Ask it to end and
            // leave the handle and its context alive (a leak, but never a use-after-free).
            core.stopped.store(true, ordering: .releasing)
            _ = mosquitto_disconnect(handle)
            _ = Unmanaged.passRetained(core)
            core.logger.warning("MQTTClient released from its own handler; its handle is leaked")
            return
        }
        stop()
        mosquitto_destroy(handle)
    }

    /// Connects in the background and starts the loop thread; returns without waiting for CONNACK.
    ///
    /// A broker that is down or unreachable is not an error here: the loop keeps retrying with
    /// backoff, the cause is kept in `lastError`, and `waitForConnection(timeout:)` reports it.
    /// With MQTT v5 or TLS the first TCP connect (and TLS handshake) is made on the calling
    /// thread: libmosquitto has no asynchronous v5 connect that keeps the CONNECT properties for
    /// reconnects, and a TLS failure (untrusted certificate, bad files) should throw `.tls` here.
    /// A TLS failure on a later connection ends the loop (as `mosquitto_loop_forever` does, TLS
    /// errors are fatal); `isConnected` then stays false.
    /// Throws `.invalidState` when called twice or after `stop()`.
    public func start() throws(MQTTError) {
        try core.state.withLock { (state: inout Core.State) throws(MQTTError) in
            guard state.lifecycle == .created else {
                throw .invalidState("start() may be called once, before stop()", "MQTTClient.start")
            }
            state.lifecycle = .started
        }
        let keepalive = Int32(clamping: options.keepalive.wholeSeconds(minimum: 5))
        let context = "connect to \(url.host):\(url.port)"
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if options.protocolVersion == .v5 && !options.cleanSession && options.sessionExpiryInterval > 0 {
            try check(
                mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), options.sessionExpiryInterval),
                "mosquitto_property_add_int32(session-expiry-interval)")
        }
        let rc: Int32
        if options.protocolVersion == .v5 || url.useTLS {
            // Blocking first connect: v5 needs it to keep the CONNECT properties for every
            // reconnect; with TLS it makes a certificate problem fail here, with an error,
            // instead of silently ending the loop thread (a TLS error is fatal there).
            rc = mosquitto_connect_bind_v5(handle, url.host, Int32(url.port), keepalive, nil, properties)
        } else {
            rc = mosquitto_connect_async(handle, url.host, Int32(url.port), keepalive)
        }
        do {
            try check(rc, context)
        } catch let error where error.code.isRetriedByLoop {
            core.state.withLock { $0.lastError = error }
            core.logger.warning("MQTT broker not reachable yet; retrying in the background", metadata: ["error": "\(error)"])
        }
        try loop.start()
    }

    /// Ends the session cleanly and joins the loop thread; safe to call more than once.
    ///
    /// With `finalMessage` (e.g. a retained "offline" status) it is published first and, for
    /// QoS ≥ 1, acknowledged by the broker before DISCONNECT, waiting at most `timeout`.
    /// A clean DISCONNECT means the broker does not publish the will. Blocks the calling thread
    /// until the loop thread has ended; must not be called from a handler.
    public func stop(finalMessage: MQTTOutgoingMessage? = nil, timeout: Duration = .seconds(2)) {
        precondition(!core.isOnLoopThread, "MQTTClient.stop() called from a handler on its own loop thread")
        let wasStarted = core.state.withLock { state -> Bool in
            guard state.lifecycle != .stopping else { return false }  // another stop() is at work
            defer { if state.lifecycle != .stopped { state.lifecycle = .stopping } }
            return state.lifecycle == .started
        }
        guard wasStarted else {
            core.state.withLock { if $0.lifecycle == .created { $0.lifecycle = .stopped } }
            core.stopped.store(true, ordering: .releasing)
            return
        }
        if let finalMessage, isConnected {
            publishFinal(finalMessage, timeout: timeout)
        }
        core.stopped.store(true, ordering: .releasing)
        _ = mosquitto_disconnect(handle)  // MOSQ_ERR_NO_CONN while reconnecting is fine
        loop.wake()
        loop.join()
        core.connected.store(false, ordering: .releasing)
        core.state.withLock { $0.lifecycle = .stopped }
        core.releaseHandlers()
    }

    /// Whether a CONNACK accepted the current connection and the `.connected` event has been
    /// handled (false while reconnecting).
    public var isConnected: Bool { core.connected.load(ordering: .acquiring) }

    /// The most recent connect or connection failure; cleared by a successful connect.
    public var lastError: MQTTError? { core.state.withLock { $0.lastError } }

    /// Waits until connected; throws `.timeout` (naming the last failure) when `timeout` passes.
    public func waitForConnection(timeout: Duration = .seconds(10)) async throws(MQTTError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !isConnected {
            if clock.now >= deadline || core.stopped.load(ordering: .acquiring) {
                let last = lastError.map { "; last error: \($0.message) [\($0.code.rawValue)]" } ?? ""
                throw MQTTError(
                    code: .timeout, rc: MOSQ_ERR_TIMEOUT.rawValue,
                    message: "not connected within \(timeout)\(last)",
                    context: "connect to \(url.host):\(url.port)")
            }
            do { try await Task.sleep(for: .milliseconds(10)) } catch {
                throw MQTTError(code: .timeout, rc: MOSQ_ERR_TIMEOUT.rawValue, message: "cancelled", context: "waitForConnection")
            }
        }
    }

    // MARK: Subscriptions

    /// Subscribes now if connected, and again after every reconnect.
    ///
    /// The filter is remembered (a later call with the same filter replaces its QoS). A broker
    /// with a persistent session keeps subscriptions itself; re-sending them is harmless and
    /// covers a broker that lost its state. Returns once SUBSCRIBE is queued; the SUBACK
    /// arrives as `.subscribed`.
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) throws(MQTTError) {
        try checkNotStopped("subscribe(\(filter))")
        try check(mosquitto_sub_topic_check(filter), "subscribe(\(filter))")
        core.state.withLock { state in
            if let index = state.subscriptions.firstIndex(where: { $0.filter == filter }) {
                state.subscriptions[index].qos = qos
            } else {
                state.subscriptions.append(Core.Subscription(filter: filter, qos: qos))
            }
        }
        let rc = mosquitto_subscribe(handle, nil, filter, qos.rawValue)
        if rc == MOSQ_ERR_NO_CONN.rawValue { return }  // sent by on_connect
        wakeLoop()
        try check(rc, "mosquitto_subscribe(\(filter))")
    }

    /// Forgets `filter` and unsubscribes now if connected.
    public func unsubscribe(_ filter: String) throws(MQTTError) {
        try checkNotStopped("unsubscribe(\(filter))")
        core.state.withLock { $0.subscriptions.removeAll { $0.filter == filter } }
        let rc = mosquitto_unsubscribe(handle, nil, filter)
        if rc == MOSQ_ERR_NO_CONN.rawValue { return }
        wakeLoop()
        try check(rc, "mosquitto_unsubscribe(\(filter))")
    }

    // MARK: Publishing

    /// Queues a message for the loop thread to send; returns its message id. Any thread.
    ///
    /// The payload is copied before returning. While disconnected, libmosquitto keeps QoS ≥ 1
    /// messages in memory (unbounded) and sends them after the reconnect, so this returns their
    /// id; QoS 0 fails with `.notConnected`. `.published(messageID:)` reports the PUBACK.
    @discardableResult
    public func publish(topic: String, payload: UnsafeRawBufferPointer, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws(MQTTError) -> Int32 {
        try checkNotStopped("publish(\(topic))")
        guard payload.count <= Int(Int32.max) else {
            throw MQTTError(code: .payloadTooLarge, rc: MOSQ_ERR_PAYLOAD_SIZE.rawValue, message: "payload too large", context: "publish(\(topic))")
        }
        var messageID: Int32 = 0
        let rc = mosquitto_publish(handle, &messageID, topic, Int32(payload.count), payload.baseAddress, qos.rawValue, retain)
        if rc == MOSQ_ERR_SUCCESS.rawValue { wakeLoop() }
        // libmosquitto 2.0 queues a QoS ≥ 1 message before trying to send it and reports
        // "not connected" if it could not go out yet; the queued message is sent after reconnect.
        if rc == MOSQ_ERR_NO_CONN.rawValue && qos != .atMostOnce && messageID != 0 { return messageID }
        try check(rc, "mosquitto_publish(\(topic))")
        return messageID
    }

    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws(MQTTError) -> Int32 {
        try payload.withUnsafeBytes { bytes in
            Result { () throws(MQTTError) -> Int32 in try publish(topic: topic, payload: bytes, qos: qos, retain: retain) }
        }.get()
    }

    @discardableResult
    public func publish(topic: String, payload: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws(MQTTError) -> Int32 {
        var payload = payload
        return try payload.withUTF8 { bytes in
            Result { () throws(MQTTError) -> Int32 in
                try publish(topic: topic, payload: UnsafeRawBufferPointer(bytes), qos: qos, retain: retain)
            }
        }.get()
    }

    // MARK: Testing

    /// Cuts the TCP connection without DISCONNECT, as a crash or a network failure would.
    ///
    /// `shutdown(2)` (not `close`) on libmosquitto's socket: the broker sees the connection drop
    /// and publishes the will; the loop thread sees end-of-file and reconnects. Used by tests.
    @_spi(Testing)
    public func dropConnectionForTesting() {
        let socket = mosquitto_socket(handle)
        if socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// How many times the loop has polled the connected socket.
    @_spi(Testing)
    public var loopPassesForTesting: Int { loop.passes.load(ordering: .relaxed) }

    /// libmosquitto's socket, or -1 (tests look at what waits in it).
    @_spi(Testing)
    public var socketForTesting: Int32 { mosquitto_socket(handle) }

    // MARK: Private

    /// A packet queued from another thread waits for the loop's next pass; from a handler the
    /// loop writes it when the handler returns anyway.
    private func wakeLoop() {
        if !core.isOnLoopThread { loop.wake() }
    }

    private func checkNotStopped(_ context: @autoclosure () -> String) throws(MQTTError) {
        if core.stopped.load(ordering: .acquiring) {
            throw .invalidState("the client is stopped", context())
        }
    }

    /// Publishes `message` and waits (bounded) for its acknowledgement.
    private func publishFinal(_ message: MQTTOutgoingMessage, timeout: Duration) {
        core.state.withLock { $0.trackAcks = true; $0.acked.removeAll() }
        defer { core.state.withLock { $0.trackAcks = false; $0.acked.removeAll() } }
        let messageID: Int32
        do {
            messageID = try publish(topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain)
        } catch {
            core.logger.warning("MQTT final message not sent", metadata: ["error": "\(error)"])
            return
        }
        guard message.qos != .atMostOnce else { return }  // written before DISCONNECT, in order
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline && isConnected {
            if core.state.withLock({ $0.acked.contains(messageID) }) { return }
            usleep(1000)
        }
        core.logger.warning("MQTT final message not acknowledged before stop", metadata: ["topic": "\(message.topic)"])
    }
}

/// Applies options to a fresh handle; every call goes through the error funnel.
private func configure(_ handle: OpaquePointer, options: MQTTClient.Options, url: MQTTURL, logger: Logger) throws(MQTTError) {
    let version = options.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
    try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, version), "protocol version")
    if let username = url.username {
        try check(mosquitto_username_pw_set(handle, username, url.password), "mosquitto_username_pw_set")
    }
    if let will = options.will {
        let rc = will.payload.withUnsafeBytes { bytes in
            mosquitto_will_set(handle, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos.rawValue, will.retain)
        }
        try check(rc, "mosquitto_will_set(\(will.topic))")
    }
    let minDelay = UInt32(clamping: options.reconnectDelayMin.wholeSeconds(minimum: 1))
    let maxDelay = max(minDelay, UInt32(clamping: options.reconnectDelayMax.wholeSeconds(minimum: 1)))
    try check(mosquitto_reconnect_delay_set(handle, minDelay, maxDelay, maxDelay > minDelay), "mosquitto_reconnect_delay_set")
    guard options.maxInflightMessages >= 0 else {
        throw .invalidArgument("maxInflightMessages must not be negative", "MQTTClient.Options")
    }
    try check(mosquitto_max_inflight_messages_set(handle, UInt32(clamping: options.maxInflightMessages)), "mosquitto_max_inflight_messages_set")
    if options.protocolVersion == .v5 {
        let receiveMaximum = options.maxInflightMessages == 0 ? 65535 : min(65535, options.maxInflightMessages)
        try check(mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, Int32(receiveMaximum)), "receive maximum")
    }
    if url.useTLS {
        let tls = options.tls
        if tls.caFile == nil && tls.caPath == nil {
            try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "use the system's CA certificates")
        }
        if tls.caFile != nil || tls.caPath != nil || tls.certFile != nil {
            try check(mosquitto_tls_set(handle, tls.caFile, tls.caPath, tls.certFile, tls.keyFile, nil), "mosquitto_tls_set")
        }
        if tls.insecure {
            try check(mosquitto_tls_insecure_set(handle, true), "mosquitto_tls_insecure_set")
        }
    }
}

extension MQTTError.Code {
    /// Failures of a connect attempt that libmosquitto's loop retries by itself.
    var isRetriedByLoop: Bool {
        switch self {
        case .system, .lookupFailed, .connectionRefused, .connectionLost, .timeout, .notConnected: true
        default: false
        }
    }
}
