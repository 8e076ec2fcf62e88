// `mash-bench copy --compare`: the index layouts of sensor_readings and the COPY targets side by side,
// each on the same rows in one run, as PostgreSQL backend CPU per row against a plain COPY into the
// seed's table (its primary key and three indexes, no exactly-once) routed through the parent.
//
//   mash-bench copy --compare --database postgres://… [--rows 1000000] [--batch 5000] [--repeat 1]
//
// Bench databases only: each layout empties sensor_readings and rebuilds its indexes; the migrated
// layout (0011) is restored at the end. With --repeat R each case runs R times (interleaved) and the
// lowest CPU per row is printed, which steadies the figures on a shared machine.
import Foundation
import GatewayConfig
import Ingest
import Postgres

extension CopyBenchmark {
    /// An index layout of sensor_readings (besides the primary key, which every layout keeps).
    struct Layout {
        let name: String
        let indexes: Int
        let statements: [String]
    }

    static let dropLayout = [
        "DROP INDEX IF EXISTS uq_sensor_readings_device_sensor_ts",
        "DROP INDEX IF EXISTS idx_sensor_readings_device_timestamp",
        "DROP INDEX IF EXISTS idx_sensor_readings_type_timestamp",
        "DROP INDEX IF EXISTS idx_sensor_readings_timestamp",
    ]
    static let timeIndex = "CREATE INDEX idx_sensor_readings_timestamp ON sensor_readings (timestamp DESC)"
    static let typeIndex = "CREATE INDEX idx_sensor_readings_type_timestamp ON sensor_readings (sensor_type_id, timestamp DESC)"
    static let deviceIndex = "CREATE INDEX idx_sensor_readings_device_timestamp ON sensor_readings (device_id, timestamp DESC)"
    /// Migration 0011's layout, the one the gateway ships.
    static let folded = Layout(name: "0011 unique device index", indexes: 4, statements: dropLayout + [
        "CREATE UNIQUE INDEX idx_sensor_readings_device_timestamp ON sensor_readings (device_id, timestamp DESC, sensor_type_id)",
        typeIndex, timeIndex,
    ])
    static let layouts = [
        Layout(name: "seed, no exactly-once", indexes: 4, statements: dropLayout + [deviceIndex, typeIndex, timeIndex]),
        Layout(name: "0003 extra unique index", indexes: 5, statements: dropLayout + [
            deviceIndex, typeIndex, timeIndex,
            "CREATE UNIQUE INDEX uq_sensor_readings_device_sensor_ts ON sensor_readings (device_id, sensor_type_id, timestamp)",
        ]),
        folded,
        Layout(name: "unique sensor-type index", indexes: 4, statements: dropLayout + [
            deviceIndex, timeIndex,
            "CREATE UNIQUE INDEX idx_sensor_readings_type_timestamp ON sensor_readings (sensor_type_id, timestamp DESC, device_id)",
        ]),
    ]

    struct Case {
        let layout: Layout
        let mode: ExactlyOnceMode
        let target: CopyTarget
    }

    static let cases = [
        Case(layout: layouts[0], mode: .plain, target: .parent),
        Case(layout: layouts[0], mode: .plain, target: .leaf),
        Case(layout: layouts[1], mode: .optimistic, target: .parent),
        Case(layout: layouts[2], mode: .optimistic, target: .parent),
        Case(layout: layouts[2], mode: .optimistic, target: .leaf),
        Case(layout: layouts[3], mode: .optimistic, target: .leaf),
    ]

    static func compare(url: String, rows: Int, batchSize: Int, repeats: Int) throws {
        let setup = try PostgresConnection.connect(url, applicationName: "mash-bench-setup")
        defer { setup.close() }
        let (deviceIDs, sensorIDs) = try prepareKeys(setup)
        let start = Int64(Date().timeIntervalSince1970 * 1_000_000) - 3_600_000_000
        let batches = makeBatches(rows: rows, batchSize: batchSize, connections: 1, duplicates: 0,
                                  deviceIDs: deviceIDs, sensorIDs: sensorIDs, start: start)[0]
        let settings = try setup.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('shared_buffers')").rows[0]
        print("copy --compare: \(rows) rows, batch \(batchSize), 1 connection, best of \(repeats); fsync=\(settings[0] ?? "?")"
              + " synchronous_commit=\(settings[1] ?? "?") shared_buffers=\(settings[2] ?? "?")")

        var best = [Measurement?](repeating: nil, count: cases.count)
        for _ in 0..<max(repeats, 1) {
            for (i, c) in cases.enumerated() {
                try setup.execute("TRUNCATE sensor_readings")
                for statement in c.layout.statements { try setup.execute(statement) }
                try setup.execute("CHECKPOINT")
                let m = try measure(url: url, work: [batches], mode: c.mode, target: c.target, start: start)
                if m.failures > 0 || m.inserted != rows { print("  \(c.layout.name) \(c.target.rawValue): inserted \(m.inserted) of \(rows), \(m.failures) failed batches") }
                if let cpu = m.cpuMicrosPerRow, cpu < best[i]?.cpuMicrosPerRow ?? .infinity { best[i] = m }
            }
        }
        try setup.execute("TRUNCATE sensor_readings")
        for statement in folded.statements { try setup.execute(statement) }

        let reference = best[0]?.cpuMicrosPerRow ?? .nan
        print("  layout                     indexes  mode        COPY into  rows/s     PG CPU µs/row  vs seed plain COPY")
        for (c, m) in zip(cases, best) {
            guard let m, let cpu = m.cpuMicrosPerRow else { continue }
            print("  " + c.layout.name.padding(toLength: 27, withPad: " ", startingAt: 0)
                  + "\(c.layout.indexes)".padding(toLength: 9, withPad: " ", startingAt: 0)
                  + c.mode.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + c.target.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                  + String(format: "%-10.0f %-14.2f %.2f×", m.rowsPerSecond, cpu, cpu / reference))
        }
        print("  (the gateway ships: 0011 unique device index, optimistic, COPY into the leaf)")
    }
}
