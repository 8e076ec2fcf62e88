import Outbox
import Postgres
import Testing
import TestSupport

@Suite("OutboxStore against PostgreSQL", .timeLimit(.minutes(2)))
struct OutboxStoreDatabaseTests {
    private func connect() async throws -> PostgresConnection {
        let url = try await TestPostgres.shared().migratedDatabase()
        return try PostgresConnection.connect(url)
    }

    private func messages(_ names: String...) -> [OutboxMessage] {
        names.map { OutboxMessage(topic: "alerts/\($0)", payload: #"{"n":"\#($0)"}"#) }
    }

    @Test("entries come back in the order they were enqueued; a rolled-back transaction leaves none")
    func orderAndAtomicity() async throws {
        let db = try await connect()
        defer { db.close() }
        try db.transaction { try OutboxStore.enqueue(messages("a", "b", "c"), on: db) }
        try db.transaction { try OutboxStore.enqueue(messages("d"), on: db) }
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.transaction {
                try OutboxStore.enqueue(messages("never"), on: db)
                throw Abandon()
            }
        }
        let pending = try OutboxStore.unpublished(limit: 10, on: db)
        #expect(pending.map(\.message.topic) == ["alerts/a", "alerts/b", "alerts/c", "alerts/d"])
        #expect(pending.map(\.id) == pending.map(\.id).sorted())
        #expect(pending.first?.message.payload == #"{"n":"a"}"#)
        #expect(try OutboxStore.unpublished(limit: 2, on: db).map(\.message.topic) == ["alerts/a", "alerts/b"])
    }

    @Test("published entries are not read again; the backlog counts the rest")
    func markPublished() async throws {
        let db = try await connect()
        defer { db.close() }
        try OutboxStore.enqueue(messages("a", "b", "c"), on: db)
        let first = try OutboxStore.unpublished(limit: 2, on: db)
        try OutboxStore.markPublished(first.map(\.id), on: db)
        #expect(try OutboxStore.unpublished(limit: 10, on: db).map(\.message.topic) == ["alerts/c"])
        #expect(try OutboxStore.backlog(on: db) == 1)
    }

    @Test("trim drops what is older than max age (counting the unpublished) and the oldest unpublished beyond max entries")
    func trim() async throws {
        let db = try await connect()
        defer { db.close() }
        try OutboxStore.enqueue(messages("old-1", "old-2", "old-published"), on: db)
        let old = try OutboxStore.unpublished(limit: 3, on: db)
        try OutboxStore.markPublished([old[2].id], on: db)
        _ = try db.execute("UPDATE gateway_outbox SET created_at = created_at - interval '3 hours'")
        try OutboxStore.enqueue((1...150).map { OutboxMessage(topic: "alerts/n\($0)", payload: "{}") }, on: db)
        let trimmed = try OutboxStore.trim(maxAgeHours: 2, maxEntries: 100, on: db)
        #expect(trimmed == OutboxStore.Trimmed(unpublishedByAge: 2, unpublishedByCount: 50, published: 1))
        let left = try OutboxStore.unpublished(limit: 1000, on: db)
        #expect(left.count == 100)
        #expect(left.first?.message.topic == "alerts/n51", "the newest are kept")
        #expect(try OutboxStore.trim(maxAgeHours: 2, maxEntries: 100, on: db) == OutboxStore.Trimmed())
    }
}
