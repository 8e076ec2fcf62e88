-- 0002: what the gateway itself needs beside the seed's schema.

-- Messages the gateway could not store, kept for operators (CONTRACT §4, Ingestion).
-- payload is BYTEA, not TEXT: it holds the exact bytes received, which are hostile input and
-- need not be valid UTF-8 (TEXT would reject them and lose the evidence).
-- received_at is UTC, like every timestamp the gateway writes.
-- reason is NOT NULL: a reject always has one, and a CHECK alone lets NULL through.
CREATE TABLE ingest_rejects (
    id BIGSERIAL PRIMARY KEY,
    received_at TIMESTAMP NOT NULL,
    topic TEXT,
    payload BYTEA,
    reason VARCHAR(50) NOT NULL CHECK (reason IN (
        'malformed_payload',
        'payload_too_large',
        'unknown_device',
        'unknown_sensor',
        'value_out_of_range',
        'timestamp_out_of_range'
    )),
    detail TEXT
);

-- Operators look at recent rejects and retention deletes old ones, both by time.
CREATE INDEX idx_ingest_rejects_received_at ON ingest_rejects(received_at);
