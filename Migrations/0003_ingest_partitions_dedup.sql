-- 0003: partitions of sensor_readings on demand, and the key that makes ingestion exactly-once.

-- Every partition of sensor_readings with its range, parsed from the catalog so that partitions
-- made by anyone (this gateway at another interval, another gateway, an operator by hand) count.
-- MINVALUE/MAXVALUE become -infinity/infinity; the DEFAULT partition (if any) is not listed.
CREATE FUNCTION mash_partitions()
RETURNS TABLE (partition_schema text, partition_name text, range_start timestamp, range_end timestamp)
LANGUAGE sql STABLE
AS $$
    SELECT n.nspname::text, c.relname::text,
           CASE WHEN b.m[1] = 'MINVALUE' THEN '-infinity'::timestamp ELSE trim(both '''' from b.m[1])::timestamp END,
           CASE WHEN b.m[2] = 'MAXVALUE' THEN 'infinity'::timestamp ELSE trim(both '''' from b.m[2])::timestamp END
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL (
        SELECT regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m
    ) b
    WHERE i.inhparent = 'sensor_readings'::regclass AND b.m IS NOT NULL
$$;

-- The bucket of `ts` at `granularity` (day, week = ISO week from Monday, month) and its standard name.
CREATE FUNCTION mash_partition_bucket(ts timestamp, granularity text,
                                      OUT range_start timestamp, OUT range_end timestamp, OUT partition_name text)
LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
BEGIN
    CASE granularity
        WHEN 'day' THEN
            range_start := date_trunc('day', ts);
            range_end := range_start + interval '1 day';
            partition_name := 'sensor_readings_p' || to_char(range_start, 'YYYYMMDD');
        WHEN 'week' THEN
            range_start := date_trunc('week', ts);
            range_end := range_start + interval '7 days';
            partition_name := 'sensor_readings_w' || to_char(range_start, 'YYYYMMDD');
        WHEN 'month' THEN
            range_start := date_trunc('month', ts);
            range_end := range_start + interval '1 month';
            partition_name := 'sensor_readings_m' || to_char(range_start, 'YYYYMM');
        ELSE
            RAISE EXCEPTION 'mash_partition_bucket: granularity must be day, week or month, not %', granularity
                USING ERRCODE = 'invalid_parameter_value';
    END CASE;
END
$$;

-- Makes sure a partition of sensor_readings covers `ts` and returns its name (creating it if missing).
--
-- For gateways and any other application that inserts rows. Partitions already there are used as
-- they are, whatever their interval: when the interval changed between runs (day -> week), the new
-- partition covers only the gap between existing ones, so ranges never overlap. Concurrent callers
-- are serialised by a transaction-scoped advisory lock and re-check after taking it; a partition
-- created by someone who does not take the lock is caught as duplicate_table/overlap and re-checked.
CREATE FUNCTION mash_ensure_partition(ts timestamp, granularity text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    bucket record;
    existing text;
    gap_start timestamp;
    gap_end timestamp;
    name text;
    parent_schema text;
BEGIN
    IF ts IS NULL OR NOT isfinite(ts) THEN
        RAISE EXCEPTION 'mash_ensure_partition: ts must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    bucket := mash_partition_bucket(ts, granularity);

    SELECT p.partition_name INTO existing FROM mash_partitions() p WHERE p.range_start <= ts AND ts < p.range_end;
    IF existing IS NOT NULL THEN
        RETURN existing;
    END IF;

    -- 0x6d617368 = 'mash': one fixed key for every partition change of sensor_readings.
    PERFORM pg_advisory_xact_lock(1835103080, 1);
    SELECT p.partition_name INTO existing FROM mash_partitions() p WHERE p.range_start <= ts AND ts < p.range_end;
    IF existing IS NOT NULL THEN
        RETURN existing;
    END IF;

    -- The free gap around ts inside the bucket: clipped by neighbours of any interval.
    SELECT greatest(bucket.range_start, coalesce(max(p.range_end), bucket.range_start)) INTO gap_start
    FROM mash_partitions() p WHERE p.range_end <= ts;
    SELECT least(bucket.range_end, coalesce(min(p.range_start), bucket.range_end)) INTO gap_end
    FROM mash_partitions() p WHERE p.range_start > ts;

    name := bucket.partition_name;
    IF gap_start <> bucket.range_start OR gap_end <> bucket.range_end
       OR to_regclass(quote_ident(name)) IS NOT NULL THEN
        -- A partial bucket: the standard name may be taken by another gap of the same bucket.
        name := bucket.partition_name || '_' || to_char(gap_start, 'YYYYMMDDHH24MISS');
    END IF;

    SELECT n.nspname INTO parent_schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'sensor_readings'::regclass;
    BEGIN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.sensor_readings FOR VALUES FROM (%L) TO (%L)',
                       parent_schema, name, parent_schema, gap_start, gap_end);
    EXCEPTION WHEN duplicate_table OR invalid_object_definition THEN
        -- Someone created it (or an overlapping one) without the lock: use theirs if it covers ts.
        SELECT p.partition_name INTO existing FROM mash_partitions() p WHERE p.range_start <= ts AND ts < p.range_end;
        IF existing IS NULL THEN
            RAISE;
        END IF;
        RETURN existing;
    END;
    RETURN name;
END
$$;

-- Exactly-once storage: a reading is identified by device, sensor and time. A repeat (QoS 1
-- redelivery, a replayed ring or spool, two gateways) conflicts here and is skipped by the writer.
-- Declared on the partitioned parent (it includes the partition key), so every partition gets it.
CREATE UNIQUE INDEX uq_sensor_readings_device_sensor_ts ON sensor_readings (device_id, sensor_type_id, timestamp);
