-- 0011: exactly-once without an index of its own.
--
-- 0003 added uq_sensor_readings_device_sensor_ts (device_id, sensor_type_id, timestamp) beside the
-- seed's idx_sensor_readings_device_timestamp (device_id, timestamp DESC): two B-trees led by the
-- device, both updated on every row. The seed's index, extended by sensor_type_id and made UNIQUE,
-- is both: it serves what the seed's index served (a device's readings by time, newest first) and it
-- refuses a second reading of the same device, sensor and time, which is what the writer's
-- exactly-once relies on (a repeat conflicts and is skipped). The name stays the seed's.
--
-- In one transaction: the unique key is never missing for another session. On a large existing
-- table the CREATE below builds the index on every partition while holding a SHARE lock (writes
-- wait). To avoid that, build the index on each partition first with CREATE UNIQUE INDEX
-- CONCURRENTLY and the same definition; the CREATE here then attaches those instead of building
-- (README, "Upgrading a large database to migration 0011").
DROP INDEX idx_sensor_readings_device_timestamp;
CREATE UNIQUE INDEX idx_sensor_readings_device_timestamp ON sensor_readings (device_id, timestamp DESC, sensor_type_id);
DROP INDEX uq_sensor_readings_device_sensor_ts;
