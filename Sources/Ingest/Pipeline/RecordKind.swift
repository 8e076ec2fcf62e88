/// What a ring record holds; the first byte of every record's header.
enum RecordKind {
    /// An MQTT message as received: topic and payload bytes.
    static let message: UInt8 = 0
    /// A message larger than `ingest.max_payload_bytes`: the payload holds the original size
    /// (8 bytes, big-endian) and then only its first `oversizedPrefix` bytes, kept as evidence
    /// for the `payload_too_large` reject row.
    static let oversized: UInt8 = 1

    static let oversizedPrefix = 1024
}
