-- An operator's TRUNCATE (of the whole table, or of one month's partition) empties rows that the count tables and
-- the key table still describe: the timeline would go on counting changes that are gone, and sending those
-- changes again would be ignored as already stored. The truncated range's counts and keys now go with it.
-- Retention drops partitions itself (store/retention.ts) and cleans up the same way.
CREATE OR REPLACE FUNCTION change_events_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m text[] := regexp_match(TG_TABLE_NAME, '^change_events_p(\d{4})(\d{2})$');
  lo timestamptz;
  hi timestamptz;
BEGIN
  IF TG_TABLE_NAME = 'change_events' THEN
    TRUNCATE change_event_hours, change_event_minutes, change_event_keys;
    RETURN NULL;
  END IF;
  IF m IS NULL THEN RETURN NULL; END IF;
  -- The partition's UTC month (its name), whatever the session's time zone.
  lo := make_timestamptz(m[1]::int, m[2]::int, 1, 0, 0, 0, 'UTC');
  hi := (lo AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
  DELETE FROM change_event_hours WHERE bin >= lo AND bin < hi;
  DELETE FROM change_event_minutes WHERE bin >= lo AND bin < hi;
  DELETE FROM change_event_keys WHERE occurred_at >= lo AND occurred_at < hi;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER change_events_truncated AFTER TRUNCATE ON change_events
  FOR EACH STATEMENT EXECUTE FUNCTION change_events_truncated();

-- Statement triggers are not cloned to partitions: each month's gets its own, now and when it is made. The
-- partition maker of 006 keeps its name under change_events_make_partition; this one adds the trigger (once).
ALTER FUNCTION change_events_ensure_partition(timestamptz) RENAME TO change_events_make_partition;
CREATE FUNCTION change_events_ensure_partition(t timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  name text := change_events_make_partition(t);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(name) AND tgname = 'change_events_truncated')
  THEN
    EXECUTE format('CREATE OR REPLACE TRIGGER change_events_truncated AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION change_events_truncated()', name);
  END IF;
  RETURN name;
END $$;

DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'change_events'::regclass
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER change_events_truncated AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION change_events_truncated()', p.relname);
  END LOOP;
END $$;
