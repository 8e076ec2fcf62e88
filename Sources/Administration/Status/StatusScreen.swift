import WallTime

/// `mash-gateway status` for a terminal: one line per concern, labels aligned, numbers with units,
/// ages as "3 s ago". Pure: the same snapshot always gives the same text.
public enum StatusScreen {
    public static func render(_ snapshot: StatusSnapshot) -> String {
        var table = TextTable()
        let devices = snapshot.devices
        var deviceLine = "\(Quantity.count(devices.total)) total, \(Quantity.count(devices.online)) online, \(Quantity.count(devices.offline)) offline"
        if devices.other > 0 { deviceLine += ", \(Quantity.count(devices.other)) error/maintenance" }
        table.append(["devices", deviceLine])

        let readings = snapshot.readings
        let newest = readings.newestMicros.map { "newest \(AgeText.format(micros: snapshot.takenAtMicros - $0))" } ?? "none stored yet"
        table.append(["readings", "\(Quantity.count(readings.lastMinute)) in the last minute, \(Quantity.count(readings.lastHour)) in the last hour; \(newest)"])

        let rejects = snapshot.rejects
        let reasons = rejects.lastHourByReason.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \(Quantity.count($0.value))" }
        table.append(["rejects", "\(Quantity.count(rejects.lastHour)) in the last hour" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", "))])

        let open = StatusSnapshot.commandStatuses.filter { StatusSnapshot.openCommandStatuses.contains($0) }
        let finished = StatusSnapshot.commandStatuses.filter { !StatusSnapshot.openCommandStatuses.contains($0) }
        let commandText = open.map { "\($0) \(Quantity.count(snapshot.commands[$0] ?? 0))" }.joined(separator: ", ")
            + "; last \(StatusSnapshot.finishedCommandWindowHours) h: "
            + finished.map { "\($0) \(Quantity.count(snapshot.commands[$0] ?? 0))" }.joined(separator: ", ")
        table.append(["commands", commandText])

        let alerts = snapshot.alerts
        let severities = StatusSnapshot.severities.reversed().map { "\($0) \(Quantity.count(alerts.openBySeverity[$0] ?? 0))" }
        table.append(["alerts", "\(Quantity.count(alerts.open)) open: " + severities.joined(separator: ", ")])

        table.append(["daemon", daemonLine(snapshot.daemon)])
        let clock = DateTimeText.format(snapshot.takenAtMicros, separator: " ", fraction: .milliseconds).prefix(19)
        return "mash-gateway status at \(clock) UTC\n" + table.render()
    }

    static func daemonLine(_ daemon: StatusSnapshot.Daemon) -> String {
        guard let address = daemon.address else { return "not asked (http.listen is empty)" }
        guard daemon.answering else { return "daemon not answering at \(address)" + (daemon.problem.map { ": \($0)" } ?? "") }
        func messages(_ value: Double?) -> String { value.map { Quantity.count(Int($0)) } ?? "?" }
        func bytes(_ value: Double?) -> String { value.map(Quantity.bytes) ?? "?" }
        return "answering at \(address); ring \(messages(daemon.ringDepthMessages)) messages (\(bytes(daemon.ringUsedBytes))), "
            + "spool \(messages(daemon.spoolBatches)) batches (\(bytes(daemon.spoolBytes)))"
    }
}
