import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libmosquitto call, a connection the broker refused, or a bad option.
///
/// Every libmosquitto return code passes through `check(_:_:)`, so callers see one error type
/// with a stable `code` to branch on, the raw `rc`, and libmosquitto's own text. The context
/// names the call and the broker address, never credentials.
public struct MQTTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; stable across libmosquitto versions.
    public enum Code: String, Sendable, Equatable {
        case invalidURL
        case invalidArgument
        case outOfMemory
        case protocolError
        case notConnected
        /// The broker answered CONNECT with a failure (other than an authorisation one).
        case connectionRefused
        /// The broker refused the credentials or the client (CONNACK 4/5, v5 reason 134/135).
        case notAuthorized
        case connectionLost
        case tls
        case payloadTooLarge
        case notSupported
        case aclDenied
        case malformedUTF8
        /// A system call failed; `message` is `strerror(errno)`.
        case system
        /// The broker's host name could not be resolved.
        case lookupFailed
        case timeout
        /// The client is not in a state where the call makes sense (e.g. publish after stop).
        case invalidState
        case other
    }

    public let code: Code
    /// The libmosquitto return code (`MOSQ_ERR_*`), CONNACK code or MQTT v5 reason code.
    public let rc: Int32
    /// libmosquitto's text for `rc` (`mosquitto_strerror`, `mosquitto_connack_string`, …).
    public let message: String
    /// What was being done, e.g. `mosquitto_publish(devices/x/telemetry)`.
    public let context: String

    public init(code: Code, rc: Int32, message: String, context: String) {
        self.code = code
        self.rc = rc
        self.message = message
        self.context = context
    }

    public var description: String { "\(context): \(message) [\(code.rawValue), rc \(rc)]" }
}

extension MQTTError {
    /// Maps a `MOSQ_ERR_*` return code; `errnoValue` is read right after the failing call.
    init(rc: Int32, errnoValue: Int32, context: String) {
        let code: Code
        switch rc {
        case MOSQ_ERR_NOMEM.rawValue: code = .outOfMemory
        case MOSQ_ERR_PROTOCOL.rawValue, MOSQ_ERR_MALFORMED_PACKET.rawValue, MOSQ_ERR_DUPLICATE_PROPERTY.rawValue:
            code = .protocolError
        case MOSQ_ERR_INVAL.rawValue: code = .invalidArgument
        case MOSQ_ERR_NO_CONN.rawValue: code = .notConnected
        case MOSQ_ERR_CONN_REFUSED.rawValue: code = .connectionRefused
        case MOSQ_ERR_CONN_LOST.rawValue, MOSQ_ERR_KEEPALIVE.rawValue: code = .connectionLost
        case MOSQ_ERR_TLS.rawValue, MOSQ_ERR_TLS_HANDSHAKE.rawValue, MOSQ_ERR_OCSP.rawValue: code = .tls
        case MOSQ_ERR_PAYLOAD_SIZE.rawValue, MOSQ_ERR_OVERSIZE_PACKET.rawValue: code = .payloadTooLarge
        case MOSQ_ERR_NOT_SUPPORTED.rawValue, MOSQ_ERR_QOS_NOT_SUPPORTED.rawValue, MOSQ_ERR_RETAIN_NOT_SUPPORTED.rawValue:
            code = .notSupported
        case MOSQ_ERR_AUTH.rawValue: code = .notAuthorized
        case MOSQ_ERR_ACL_DENIED.rawValue: code = .aclDenied
        case MOSQ_ERR_MALFORMED_UTF8.rawValue: code = .malformedUTF8
        case MOSQ_ERR_ERRNO.rawValue: code = .system
        case MOSQ_ERR_EAI.rawValue, MOSQ_ERR_LOOKUP.rawValue: code = .lookupFailed
        case MOSQ_ERR_TIMEOUT.rawValue: code = .timeout
        default: code = .other
        }
        let message: String
        if rc == MOSQ_ERR_ERRNO.rawValue {
            message = String(cString: strerror(errnoValue))
        } else {
            message = String(cString: mosquitto_strerror(rc))
        }
        self.init(code: code, rc: rc, message: message, context: context)
    }

    /// A refused CONNACK: MQTT 3.1.1 return codes 1–5, or MQTT v5 reason codes ≥ 128.
    init(connack rc: Int32, context: String) {
        if rc >= 128 {
            // MQTT v5: 134 bad user name or password, 135 not authorized.
            let code: Code = (rc == 134 || rc == 135) ? .notAuthorized : .connectionRefused
            self.init(code: code, rc: rc, message: String(cString: mosquitto_reason_string(rc)), context: context)
        } else {
            // MQTT 3.1.1: 4 bad user name or password, 5 not authorised.
            let code: Code = (rc == 4 || rc == 5) ? .notAuthorized : .connectionRefused
            self.init(code: code, rc: rc, message: String(cString: mosquitto_connack_string(rc)), context: context)
        }
    }

    /// The reason an established connection ended, as `on_disconnect` reports it.
    ///
    /// libmosquitto passes `MOSQ_ERR_*` codes for local causes and MQTT v5 reason codes
    /// (≥ 128) when the broker sent DISCONNECT.
    static func disconnectReason(_ rc: Int32) -> String {
        if rc == 0 { return "disconnected by the client" }
        if rc >= 128 { return String(cString: mosquitto_reason_string(rc)) }
        return String(cString: mosquitto_strerror(rc))
    }

    static func invalidState(_ message: String, _ context: String) -> MQTTError {
        MQTTError(code: .invalidState, rc: MOSQ_ERR_INVAL.rawValue, message: message, context: context)
    }

    static func invalidArgument(_ message: String, _ context: String) -> MQTTError {
        MQTTError(code: .invalidArgument, rc: MOSQ_ERR_INVAL.rawValue, message: message, context: context)
    }
}

/// The one funnel for libmosquitto return codes: success returns, anything else throws.
///
/// `errno` is captured before the context is built, so `MOSQ_ERR_ERRNO` reports the real cause.
@inline(__always)
func check(_ rc: Int32, _ context: @autoclosure () -> String) throws(MQTTError) {
    guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
    let savedErrno = errno
    throw MQTTError(rc: rc, errnoValue: savedErrno, context: context())
}
