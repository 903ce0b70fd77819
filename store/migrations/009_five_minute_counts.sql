-- Changes per 5 minutes, connector and event type, beside the hourly counts: a day's timeline in 15-minute bins
-- reads a few thousand counters instead of counting every change of the day (hundreds of thousands in a large
-- organization). One trigger function keeps both, one aggregate per table per write statement.
-- Writers wait while the counts are filled from the rows, so no write falls between the fill and the new trigger.
LOCK TABLE change_events IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE IF NOT EXISTS change_event_minutes (LIKE change_event_hours INCLUDING ALL);

CREATE OR REPLACE FUNCTION change_event_hours_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  counts record;
  delta text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT occurred_at, connector, event_type, 1 AS n FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT occurred_at, connector, event_type, -1 AS n FROM old_rows'
    ELSE 'SELECT occurred_at, connector, event_type, -1 AS n FROM old_rows
          UNION ALL SELECT occurred_at, connector, event_type, 1 FROM new_rows' END;
BEGIN
  FOR counts IN VALUES ('change_event_hours', '1 hour'), ('change_event_minutes', '5 minutes') LOOP
    -- Sorted, so concurrent writers lock the counters in the same order.
    EXECUTE format(
      'INSERT INTO %1$I AS h (bin, connector, event_type, n)
       SELECT date_bin(%2$L, occurred_at, timestamptz ''1970-01-01Z''), connector, event_type, sum(n) FROM (%3$s) d
       GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
       ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = h.n + excluded.n',
      counts.column1, counts.column2, delta);
  END LOOP;
  RETURN NULL;
END $$;

-- Rows written before this migration.
INSERT INTO change_event_minutes (bin, connector, event_type, n)
SELECT date_bin('5 minutes', occurred_at, timestamptz '1970-01-01Z'), connector, event_type, count(*)
FROM change_events GROUP BY 1, 2, 3
ON CONFLICT (bin, connector, event_type) DO UPDATE SET n = excluded.n;
