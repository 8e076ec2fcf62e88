-- 0009: a device's timezone is cached too (Tasmota sends local time), so changing it notifies
-- gateways like the other cached columns of 0004.
DROP TRIGGER devices_notify_update ON devices;

CREATE TRIGGER devices_notify_update
    AFTER UPDATE ON devices
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id
          OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.serial_number IS DISTINCT FROM NEW.serial_number
          OR OLD.mac_address IS DISTINCT FROM NEW.mac_address
          OR OLD.user_id IS DISTINCT FROM NEW.user_id
          OR OLD.configuration IS DISTINCT FROM NEW.configuration
          OR OLD.timezone IS DISTINCT FROM NEW.timezone
          OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION mash_notify_device_change();
