-- 0005: what the command dispatcher needs on device_commands (CONTRACT §4, Commands).

-- Wake the dispatchers when a command becomes pending, whoever wrote it (an operator topic, the
-- web app, psql). The payload is the command id; listeners treat it as a hint and claim with
-- FOR UPDATE SKIP LOCKED, so a lost or duplicated notification costs nothing but a poll.
-- Notifications are sent at commit, so a listener never sees a row it cannot read yet.
CREATE FUNCTION mash_notify_command_pending() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mash_commands', NEW.id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER device_commands_pending_insert
    AFTER INSERT ON device_commands
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION mash_notify_command_pending();

-- Back to pending (a command re-queued because its device went offline before acknowledging,
-- or reset by hand): it must be claimed again.
CREATE TRIGGER device_commands_pending_update
    AFTER UPDATE OF status ON device_commands
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status IS DISTINCT FROM 'pending')
    EXECUTE FUNCTION mash_notify_command_pending();

-- The claim (`status = 'pending'` oldest first), the restart load (`sent`, `acknowledged`) and the
-- expiry sweep only look at unfinished commands, which are few next to the finished history:
-- a partial index keeps each of them an index scan however long the history grows.
CREATE INDEX idx_device_commands_unfinished ON device_commands(status, created_at)
    WHERE status IN ('pending', 'sent', 'acknowledged');

-- A dispatcher that (re)loads a command finds the operator request it answers through the
-- command's audit row (entity_type 'device_command', entity_id = the command's id).
CREATE INDEX idx_audit_logs_entity ON audit_logs(entity_type, entity_id);
