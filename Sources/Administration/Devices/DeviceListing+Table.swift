import WallTime

extension DeviceListing {
    /// `devices list` for a terminal: KEY, ID, STATUS, LAST SEEN (UTC, with its age), OWNER.
    public static func table(_ devices: [DeviceListing], nowMicros: Int64) -> String {
        var table = TextTable(header: ["KEY", "ID", "STATUS", "LAST SEEN (UTC)", "OWNER"])
        for device in devices {
            let seen = device.lastSeenMicros.map {
                DateTimeText.format($0, separator: " ", fraction: .milliseconds).prefix(19) + " (\(AgeText.format(micros: nowMicros - $0)))"
            } ?? "never"
            table.append([device.key, device.id, device.status, String(seen), device.ownerEmail ?? "-"])
        }
        return table.render()
    }
}
