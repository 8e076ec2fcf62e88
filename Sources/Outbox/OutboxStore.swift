import Postgres

/// `gateway_outbox`'s statements. Enqueuing runs on the caller's connection, inside the caller's
/// transaction (that is the point: the message commits or rolls back with its cause); the rest is
/// the publisher's, on its own connection. Not thread-safe: one caller per connection.
public enum OutboxStore {
    /// Appends `messages` in order, in ONE statement, on `connection` (inside the caller's transaction).
    public static func enqueue(_ messages: [OutboxMessage], on connection: PostgresConnection) throws(StoreError) {
        guard !messages.isEmpty else { return }
        try execute(connection, "enqueue", """
            INSERT INTO gateway_outbox (topic, payload, retain)
            SELECT topic, payload, retain FROM unnest($1::text[], $2::text[], $3::boolean[]) WITH ORDINALITY AS m(topic, payload, retain, n)
            ORDER BY n
            """, [
                SQLText.array(messages.map { Optional($0.topic) }), SQLText.array(messages.map { Optional($0.payload) }),
                SQLText.plainArray(messages.map { $0.retain ? "true" : "false" }),
            ])
    }

    /// The oldest `limit` unpublished entries, in order.
    public static func unpublished(limit: Int, on connection: PostgresConnection) throws(StoreError) -> [OutboxEntry] {
        let rows = try execute(connection, "read unpublished", """
            SELECT id, topic, payload, retain FROM gateway_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1::int
            """, [String(limit)])
        return (0..<rows.count).compactMap { index in
            guard let id = rows[index, "id"].flatMap({ Int64($0) }), let topic = rows[index, "topic"] else { return nil }
            return OutboxEntry(id: id, message: OutboxMessage(topic: topic, payload: rows[index, "payload"] ?? "", retain: rows[index, "retain"] == "t"))
        }
    }

    /// Marks the entries the broker acknowledged as published.
    public static func markPublished(_ ids: [Int64], on connection: PostgresConnection) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try execute(connection, "mark published", """
            UPDATE gateway_outbox SET published_at = (now() AT TIME ZONE 'UTC') WHERE id = ANY($1::bigint[]) AND published_at IS NULL
            """, [SQLText.plainArray(ids.map(String.init))])
    }

    /// What `trim` removed: unpublished entries dropped for age or count (published ones are just housekeeping).
    public struct Trimmed: Sendable, Equatable {
        public var unpublishedByAge = 0
        public var unpublishedByCount = 0
        public var published = 0

        public init(unpublishedByAge: Int = 0, unpublishedByCount: Int = 0, published: Int = 0) {
            self.unpublishedByAge = unpublishedByAge
            self.unpublishedByCount = unpublishedByCount
            self.published = published
        }
    }

    /// Deletes entries older than `maxAgeHours` (published or not) and the oldest unpublished
    /// beyond `maxEntries`.
    public static func trim(maxAgeHours: Int, maxEntries: Int, on connection: PostgresConnection) throws(StoreError) -> Trimmed {
        let aged = try execute(connection, "drop old entries", """
            DELETE FROM gateway_outbox WHERE created_at < (now() AT TIME ZONE 'UTC') - make_interval(hours => $1::int)
            RETURNING published_at IS NULL AS unpublished
            """, [String(maxAgeHours)])
        var trimmed = Trimmed()
        for index in 0..<aged.count {
            if aged[index, "unpublished"] == "t" { trimmed.unpublishedByAge += 1 } else { trimmed.published += 1 }
        }
        let excess = try execute(connection, "drop entries beyond the limit", """
            DELETE FROM gateway_outbox WHERE id IN (
                SELECT id FROM gateway_outbox WHERE published_at IS NULL ORDER BY id DESC OFFSET $1::int)
            """, [String(maxEntries)])
        trimmed.unpublishedByCount = excess.affectedRows
        return trimmed
    }

    /// Unpublished entries now.
    public static func backlog(on connection: PostgresConnection) throws(StoreError) -> Int {
        Int(try execute(connection, "count unpublished", "SELECT count(*) AS n FROM gateway_outbox WHERE published_at IS NULL")[0, "n"] ?? "0") ?? 0
    }

    @discardableResult
    private static func execute(_ connection: PostgresConnection, _ operation: String, _ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PostgresRows {
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw StoreError(.database, store: "outbox", operation: operation, underlying: error)
        }
    }
}
