-- 0007: threshold alerts (CONTRACT §4 "Alerts").

-- At most one unresolved threshold alert per device and rule (the rule's name inside
-- threshold_config), whatever restarts, two readings a few milliseconds apart, or several gateway
-- instances do: raising is INSERT … ON CONFLICT DO NOTHING against this index.
CREATE UNIQUE INDEX idx_alerts_one_open_threshold ON alerts(device_id, (threshold_config ->> 'name'))
    WHERE alert_type = 'threshold' AND resolved IS NOT TRUE;
