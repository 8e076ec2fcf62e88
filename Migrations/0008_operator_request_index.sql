-- Operator requests are idempotent by request_id (per operator): the gateway looks the id up in
-- audit_logs before creating a command, so a redelivered or replayed request makes no second command.
CREATE INDEX idx_audit_logs_request ON audit_logs (request_id, user_id) WHERE request_id IS NOT NULL;
