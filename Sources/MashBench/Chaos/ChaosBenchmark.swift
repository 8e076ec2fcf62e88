// `mash-bench chaos`: the whole system under faults, and an account of every message at the end.
//
//   .build/release/mash-bench chaos --minutes M [--seed S] [--devices 50] [--rate 1000]
//
// Starts a private mosquitto, a durable PostgreSQL 15, the built `mash-gateway` beside this binary
// and a simulated fleet (telemetry at QoS 1, heartbeats, commands inserted by the bench and answered
// by the devices, one alert rule crossed on a known schedule). At seeded random instants it SIGKILLs
// and restarts the gateway, restarts the broker, stops PostgreSQL with `-m immediate` and starts it
// again, and fills the spool's quota (PostgreSQL away until `ingest.spool_max_mb`, set to 1 MiB, is
// full, held there, then back). It keeps a ledger of every reading the broker acknowledged and every
// command inserted, lets the gateway drain, compares with the database and prints one table.
// Exit status: 0 when no acknowledged reading is lost or stored twice; 1 otherwise; 2 bad options.
import Dispatch
import Foundation

enum ChaosBenchmark {
    static let summary = "faults (gateway SIGKILL, broker restart, PostgreSQL -m immediate, spool full) vs a ledger: lost / duplicated (--minutes, --seed)"

    struct Options: Sendable {
        var minutes = 2.0
        var seed: UInt64 = 1
        var devices = 50
        /// Readings per second across the fleet (two per message).
        var rate = 1000.0
    }

    static func parse(_ args: [String]) -> Options? {
        var options = Options()
        var rest = args[...]
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { return nil }
            switch name {
            case "--minutes": guard let v = Double(value), v > 0 else { return nil }; options.minutes = v
            case "--seed": guard let v = UInt64(value) else { return nil }; options.seed = v
            case "--devices": guard let v = Int(value), (1...9999).contains(v) else { return nil }; options.devices = v
            case "--rate": guard let v = Double(value), v >= 2 else { return nil }; options.rate = v
            default: return nil
            }
        }
        return options
    }

    static func run(_ args: [String]) throws {
        guard let options = parse(args) else {
            print("usage: mash-bench chaos [--minutes M] [--seed S] [--devices N (1–9999)] [--rate READINGS_PER_S (≥ 2)]")
            exit(2)
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = EndToEndBenchmark.Box<Result<ChaosTally, any Error>>()
        Task {
            do { outcome.value = .success(try await ChaosRun(options: options).run()) } catch { outcome.value = .failure(error) }
            done.signal()
        }
        done.wait()
        let tally = try outcome.value!.get()
        say(ChaosReport(options: options, tally: tally).text)
        if tally.readingsLost > 0 || tally.readingsDuplicated > 0 { exit(1) }
    }
}

/// Writes a line to stdout at once (unbuffered even into a file or pipe), so the fault log can be
/// followed while the run goes on.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
