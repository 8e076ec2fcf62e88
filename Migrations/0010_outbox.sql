-- 0010: the outbox for what the gateway publishes (alert events, operator responses, offline notices).
--
-- A message is inserted in the same transaction as the state change that causes it, so a crash or a
-- broker outage between the two cannot lose it; one publisher at a time (session advisory lock)
-- sends the unpublished rows in id order at QoS 1 and sets published_at once the broker has
-- acknowledged each, so a restart does not publish them again. Bounded by age and count
-- (outbox.max_age_hours, outbox.max_entries): what is dropped unpublished is logged and counted.
CREATE TABLE gateway_outbox (
    id BIGSERIAL PRIMARY KEY,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    retain BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    published_at TIMESTAMP
);

-- The publisher's queue: unpublished rows in order, without scanning what was published.
CREATE INDEX idx_gateway_outbox_unpublished ON gateway_outbox (id) WHERE published_at IS NULL;
