-- 0006: what presence needs beside the seed's devices and alerts columns.

-- Exact uptime/downtime across gateway restarts. devices.uptime_seconds and
-- devices.total_downtime_seconds hold whole seconds; carrying only those across a restart would
-- drop up to a second per counter each time, so the gateway keeps the microsecond totals here,
-- together with the instant they are exact up to. The devices columns are always the floor of
-- these; if someone resets a devices column, the gateway notices the mismatch and follows the
-- devices column.
-- No foreign key to devices, on purpose: the seed's foreign keys stay exactly the seed's (the schema
-- test compares them), and nothing is lost without one — rows are only written for existing devices
-- and only read joined to devices, so a row left by a hard-deleted device is never used.
CREATE TABLE device_presence (
    device_id UUID PRIMARY KEY,
    uptime_us BIGINT NOT NULL CHECK (uptime_us >= 0),
    downtime_us BIGINT NOT NULL CHECK (downtime_us >= 0),
    accounted_at TIMESTAMP NOT NULL
);

-- At most one unresolved device_offline alert per device, whatever restarts or several gateway
-- instances do: raising is INSERT … ON CONFLICT DO NOTHING against this index.
CREATE UNIQUE INDEX idx_alerts_one_open_device_offline ON alerts(device_id)
    WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE;
