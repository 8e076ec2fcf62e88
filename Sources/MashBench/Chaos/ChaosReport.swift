import Foundation

/// The table `mash-bench chaos` prints at the end, and the one-line verdict a test reads.
struct ChaosReport {
    let options: ChaosBenchmark.Options
    let tally: ChaosTally

    var text: String {
        let t = tally
        var lines: [String] = []
        func row(_ label: String, _ value: String) { lines.append("  " + label.padding(toLength: 32, withPad: " ", startingAt: 0) + value) }
        lines.append("")
        lines.append(String(format: "mash-bench chaos — %.1f min, seed %llu, %d devices, %d readings/s at QoS 1, one shared 2-core machine",
                            ChaosRun.seconds(t.elapsed) / 60, options.seed, options.devices, Int(options.rate)))
        let byKind = ChaosFault.allCases.map { kind in
            (kind, t.faults.filter { $0.fault == kind })
        }
        row("faults injected", "\(t.faults.count)   (" + byKind.map { "\($0.0.rawValue) \($0.1.count)" }.joined(separator: ", ") + ")")
        for (kind, records) in byKind where !records.isEmpty {
            let worst = records.compactMap(\.recovery).max()
            let notes = Set(records.compactMap(\.note))
            row("  " + kind.rawValue, "\(records.count), worst recovery \(worst.map(Self.seconds) ?? "—")"
                + (notes.isEmpty ? "" : "; " + notes.sorted().joined(separator: "; ")))
        }
        row("readings published", "\(t.readingsPublished)   (PUBACK received for \(t.readingsAcknowledged); refused by the client \(t.readingsRefused))")
        row("readings stored", "\(t.readingsStored)   (of them not acknowledged to the publisher: \(t.readingsStoredUnacknowledged))")
        row("readings duplicated", "\(t.readingsDuplicated)")
        row("readings lost", "\(t.readingsLost)" + (t.lostExamples.isEmpty ? "" : "   (first: " + t.lostExamples.joined(separator: ", ") + ")"))
        let statuses = ["completed", "failed", "timeout", "acknowledged", "sent", "pending", "missing"]
            .compactMap { s in t.commandsByStatus[s].map { "\(s) \($0)" } }
        row("commands inserted", "\(t.commandsInserted)   (" + statuses.joined(separator: ", ") + ")")
        row("commands not in a final state", "\(t.commandsNotFinal)   (final but not the device's answer: \(t.commandsWrongFinal))")
        row("commands sent more than once", "\(t.commandsSentMoreThanOnce)   (resent by the retry timer: \(t.commandsRetried); one attempt delivered twice: \(t.commandsSameAttemptTwice))")
        row("alerts expected / raised", "\(t.alertsExpected) / \(t.alertsRaised)   (missing \(t.alertsMissing.count), of them hot during an outage \(t.alertsMissingDuringOutage); unexpected \(t.alertsUnexpected.count))")
        if t.alertsMissingDuringOutage > 0 {
            row("  missing by fault overlapped", ChaosFault.allCases.map { "\($0.rawValue) \(t.alertsMissingByFault[$0] ?? 0)" }.joined(separator: ", "))
        }
        if !t.alertsMissing.isEmpty { row("  missing", t.alertsMissing.prefix(5).joined(separator: ", ") + (t.alertsMissing.count > 5 ? ", …" : "")) }
        if !t.alertsUnexpected.isEmpty { row("  unexpected", t.alertsUnexpected.prefix(5).joined(separator: ", ") + (t.alertsUnexpected.count > 5 ? ", …" : "")) }
        let worst = t.faults.filter { $0.recovery != nil }.max { $0.recovery! < $1.recovery! }
        row("worst recovery", worst.map { "\(Self.seconds($0.recovery!)) (\($0.fault.rawValue) at \(String(format: "%.0f", $0.at)) s; fault → first new reading stored)" } ?? "—")
        row("gateway exit status at the end", t.gatewayExitStatus.map { "\($0)" } ?? "did not exit within 60 s")
        lines.append("")
        lines.append("chaos verdict: readings_lost=\(t.readingsLost) readings_duplicated=\(t.readingsDuplicated) "
                     + "commands_not_final=\(t.commandsNotFinal) commands_sent_twice=\(t.commandsSentMoreThanOnce) "
                     + "alerts_missing=\(t.alertsMissing.count) alerts_missing_outside_outages=\(t.alertsMissing.count - t.alertsMissingDuringOutage) faults=\(t.faults.count)")
        return lines.joined(separator: "\n")
    }

    static func seconds(_ d: Duration) -> String { String(format: "%.1f s", ChaosRun.seconds(d)) }
}
