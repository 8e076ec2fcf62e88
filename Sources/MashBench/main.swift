// mash-bench: prints throughput and latency numbers for the parts of the ingest path.
// Usage: mash-bench <benchmark> [options]; `mash-bench` alone lists them.
import Foundation

let benchmarks: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("decode", DecodeBenchmark.summary, DecodeBenchmark.run),
    ("ring", "MessageRing: records/s across two threads (anonymous, file) and sync() cost", runRingBenchmark),
    ("copy", CopyBenchmark.summary, CopyBenchmark.run),
    ("e2e", EndToEndBenchmark.summary, EndToEndBenchmark.run),
    ("ack-subscriber", AckSubscriber.summary, AckSubscriber.run),
    ("soak", SoakBenchmark.summary, SoakBenchmark.run),
    ("backup", BackupBenchmark.summary, BackupBenchmark.run),
    ("scrape", ScrapeBenchmark.summary, ScrapeBenchmark.run),
    ("chaos", ChaosBenchmark.summary, ChaosBenchmark.run),
]

let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let bench = benchmarks.first(where: { $0.name == name }) else {
    print("usage: mash-bench <benchmark> [options]\n")
    for b in benchmarks { print("  \(b.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(b.summary)") }
    exit(args.isEmpty ? 0 : 2)
}
try bench.run(Array(args.dropFirst()))
