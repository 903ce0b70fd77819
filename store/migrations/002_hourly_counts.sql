-- Changes per hour, connector and event type, kept exact by statement-level triggers (one aggregate per write
-- statement, not per row), so the timeline of a long range reads hundreds of rows instead of millions.
CREATE TABLE IF NOT EXISTS change_event_hours (
  bin        timestamptz NOT NULL,
  connector  text        NOT NULL,
  event_type text        NOT NULL,
  n          bigint      NOT NULL,
  PRIMARY KEY (bin, connector, event_type)
);

CREATE OR REPLACE FUNCTION change_event_hours_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Sorted, so concurrent writers lock the counters in the same order.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO change_event_hours (bin, connector, event_type, n)
    SELECT date_trunc('hour', occurred_at, 'UTC'), connector, event_type, count(*) FROM new_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = change_event_hours.n + excluded.n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO change_event_hours (bin, connector, event_type, n)
    SELECT bin, connector, event_type, sum(n) FROM (
      SELECT date_trunc('hour', occurred_at, 'UTC') AS bin, connector, event_type, -count(*) AS n FROM old_rows GROUP BY 1, 2, 3
      UNION ALL
      SELECT date_trunc('hour', occurred_at, 'UTC'), connector, event_type, count(*) FROM new_rows GROUP BY 1, 2, 3
    ) d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = change_event_hours.n + excluded.n;
  ELSE
    INSERT INTO change_event_hours (bin, connector, event_type, n)
    SELECT date_trunc('hour', occurred_at, 'UTC'), connector, event_type, -count(*) FROM old_rows
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = change_event_hours.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER change_event_hours_insert AFTER INSERT ON change_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();
CREATE OR REPLACE TRIGGER change_event_hours_update AFTER UPDATE ON change_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();
CREATE OR REPLACE TRIGGER change_event_hours_delete AFTER DELETE ON change_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();

-- Rows written before this migration.
INSERT INTO change_event_hours (bin, connector, event_type, n)
SELECT date_trunc('hour', occurred_at, 'UTC'), connector, event_type, count(*) FROM change_events GROUP BY 1, 2, 3
ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = excluded.n;
