-- 0004: tell gateways when a device row changes, so their device caches follow without a restart.

-- Payload: the device id. Only changes that alter what a gateway caches notify: presence writes
-- last_seen/status/uptime on every message, and a notification per presence update would make
-- every gateway re-read the row for nothing.
CREATE FUNCTION mash_notify_device_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('mash_devices', OLD.id::text);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('mash_devices', NEW.id::text);
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
        PERFORM pg_notify('mash_devices', OLD.id::text);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER devices_notify_insert_delete
    AFTER INSERT OR DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION mash_notify_device_change();

CREATE TRIGGER devices_notify_update
    AFTER UPDATE ON devices
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id
          OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.serial_number IS DISTINCT FROM NEW.serial_number
          OR OLD.mac_address IS DISTINCT FROM NEW.mac_address
          OR OLD.user_id IS DISTINCT FROM NEW.user_id
          OR OLD.configuration IS DISTINCT FROM NEW.configuration
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION mash_notify_device_change();

-- A `{device}` key that is a MAC address is looked up in any spelling (contract §3): index the
-- normalised form so a cache miss does not scan the table.
CREATE INDEX idx_devices_mac_normalized ON devices (lower(replace(mac_address, ':', '')));
