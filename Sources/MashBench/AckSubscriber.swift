// `mash-bench ack-subscriber HOST PORT FILTER COUNT`: the floor of any libmosquitto client, for
// `mash-bench e2e`'s limit. A bare libmosquitto subscriber (QoS 1, clean session, libmosquitto's own
// loop) that does nothing with a message but let the library ACK it. Prints `subscribed` once the
// broker has granted the subscription and on the COUNT-th message, each with its own CPU time so far
// (`subscribed <user+system µs>`, `cpu_us <µs>`), and exits. Calls libmosquitto directly, not through the MQTT module,
// so the figure holds nothing of ours.
import CMosquitto
import Foundation
import Synchronization

enum AckSubscriber {
    static let summary = "(used by e2e) a bare libmosquitto QoS 1 subscriber that only ACKs; prints its CPU time"

    /// Messages received; the process has one subscriber, so a global is its whole state.
    static let received = Atomic<Int>(0)
    static let target = Atomic<Int>(0)
    static let filter = Mutex<String>("")

    static func run(_ args: [String]) throws {
        guard args.count == 4, let port = Int32(args[1]), let count = Int(args[3]), count > 0 else {
            print("usage: mash-bench ack-subscriber HOST PORT FILTER COUNT")
            exit(2)
        }
        target.store(count, ordering: .relaxed)
        filter.withLock { $0 = args[2] }
        mosquitto_lib_init()
        guard let handle = mosquitto_new("mash-bench-ack-\(getpid())", true, nil) else {
            print("ack-subscriber: mosquitto_new failed")
            exit(1)
        }
        mosquitto_connect_callback_set(handle) { handle, _, code in
            guard code == 0 else {
                print("ack-subscriber: connection refused (\(code))")
                exit(1)
            }
            _ = AckSubscriber.filter.withLock { mosquitto_subscribe(handle, nil, $0, 1) }
        }
        mosquitto_subscribe_callback_set(handle) { _, _, _, _, _ in
            print("subscribed \(AckSubscriber.cpuMicros())")
            fflush(nil)
        }
        mosquitto_message_callback_set(handle) { handle, _, _ in
            let seen = AckSubscriber.received.add(1, ordering: .relaxed).newValue
            if seen == AckSubscriber.target.load(ordering: .relaxed) {
                // The last PUBACK is queued before this callback runs; the loop writes it before it
                // sees the disconnect. CPU time is read here, so teardown is not counted.
                print("cpu_us \(AckSubscriber.cpuMicros())")
                fflush(nil)
                mosquitto_disconnect(handle)
            }
        }
        let code = mosquitto_connect(handle, args[0], port, 60)
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            print("ack-subscriber: cannot connect to \(args[0]):\(port) (\(code))")
            exit(1)
        }
        _ = mosquitto_loop_forever(handle, -1, 1)
        mosquitto_destroy(handle)
        mosquitto_lib_cleanup()
    }

    /// This process's user + system CPU time so far, in µs.
    static func cpuMicros() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return (Int(usage.ru_utime.tv_sec) + Int(usage.ru_stime.tv_sec)) * 1_000_000
            + Int(usage.ru_utime.tv_usec) + Int(usage.ru_stime.tv_usec)
    }
}
