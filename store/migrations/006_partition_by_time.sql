-- change_events partitioned by month of occurred_at (UTC), so time-bounded reads touch only their months and
-- retention drops whole months. A partitioned table's unique keys must contain occurred_at, so one row per
-- (connector, id) is kept by change_event_keys: the key, where its row lives, and what decides the next write
-- (its version's recorded_at and content hash, and the connection that owns it). Writers lock the key row first.
-- Every row is kept: the old table is renamed, copied into the new one and dropped, in this one transaction.
LOCK TABLE change_events IN ACCESS EXCLUSIVE MODE;
ALTER TABLE change_events RENAME TO change_events_unpartitioned;
DROP TRIGGER IF EXISTS change_event_hours_insert ON change_events_unpartitioned;
DROP TRIGGER IF EXISTS change_event_hours_update ON change_events_unpartitioned;
DROP TRIGGER IF EXISTS change_event_hours_delete ON change_events_unpartitioned;
ALTER TABLE change_events_unpartitioned DROP CONSTRAINT IF EXISTS change_events_pkey;
DROP INDEX IF EXISTS change_events_time_idx, change_events_connector_time_idx, change_events_tags_idx,
  change_events_refs_idx, change_events_search_idx, change_events_links_idx, change_events_service_time_idx,
  change_events_environment_time_idx, change_events_team_time_idx;

CREATE TABLE change_events (
  connector            text        NOT NULL,
  id                   text        NOT NULL,
  event_type           text        NOT NULL,
  connection_id        text        NOT NULL,
  source               text        NOT NULL,
  subject              text,
  title                text        NOT NULL,
  description          text        NOT NULL DEFAULT '',
  author               text        NOT NULL DEFAULT '',
  url                  text        NOT NULL DEFAULT '',
  status               text        NOT NULL DEFAULT '',
  tags                 text[]      NOT NULL DEFAULT '{}',
  refs                 text[]      NOT NULL DEFAULT '{}',
  metadata             jsonb       NOT NULL DEFAULT '{}',
  occurred_at          timestamptz NOT NULL,
  recorded_at          timestamptz NOT NULL,
  stored_at            timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  content_hash         text        NOT NULL,
  version              integer     NOT NULL DEFAULT 1,
  declared_service     text        NOT NULL DEFAULT '',
  declared_environment text        NOT NULL DEFAULT '',
  service              text        NOT NULL DEFAULT '',
  environment          text        NOT NULL DEFAULT '',
  team                 text        NOT NULL DEFAULT '',
  catalog_version      integer     NOT NULL DEFAULT 0,
  search               tsvector,
  links                text[]      NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);

-- One row per change, whatever month its row is in. The newest version's (recorded_at, content_hash) and owner
-- live here, so one INSERT … ON CONFLICT on this table decides (under the key's row lock) which writes win.
CREATE TABLE change_event_keys (
  connector        text        NOT NULL,
  id               text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL,
  content_hash     text        NOT NULL,
  connection_id    text        NOT NULL,
  -- Where the row was before the last write that moved it (read back by that write only).
  prev_occurred_at timestamptz,
  PRIMARY KEY (connector, id)
);
CREATE INDEX change_event_keys_time_idx ON change_event_keys (occurred_at);

-- The partition for the month of `t`, created if missing (one creator at a time; a no-op when it exists).
CREATE OR REPLACE FUNCTION change_events_ensure_partition(t timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', t, 'UTC');
  hi timestamptz := lo + interval '1 month';
  name text := 'change_events_p' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN RETURN name; END IF;
  PERFORM pg_advisory_xact_lock(4242003);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF change_events FOR VALUES FROM (%L) TO (%L)',
    name, lo, hi);
  RETURN name;
EXCEPTION WHEN duplicate_table OR unique_violation THEN
  -- Another store made it at the same moment.
  RETURN name;
END $$;

-- Months with rows, and the months around now.
SELECT change_events_ensure_partition(m) FROM (
  SELECT DISTINCT date_trunc('month', occurred_at, 'UTC') AS m FROM change_events_unpartitioned
  UNION SELECT date_trunc('month', now(), 'UTC') + k * interval '1 month' FROM generate_series(-1, 2) k
) months ORDER BY m;

-- The hourly counts already count these rows: the triggers come after the copy.
INSERT INTO change_events SELECT connector, id, event_type, connection_id, source, subject, title, description,
  author, url, status, tags, refs, metadata, occurred_at, recorded_at, stored_at, updated_at, content_hash, version,
  declared_service, declared_environment, service, environment, team, catalog_version, search, links
FROM change_events_unpartitioned;
INSERT INTO change_event_keys (connector, id, occurred_at, recorded_at, content_hash, connection_id)
SELECT connector, id, occurred_at, recorded_at, content_hash, connection_id FROM change_events_unpartitioned;
DROP TABLE change_events_unpartitioned;

-- The same indexes as before, per partition, less the (connector, id) key (change_event_keys has it):
-- (connector, occurred_at, id) finds a key's row once its occurred_at is known.
CREATE INDEX change_events_time_idx ON change_events (occurred_at DESC, id DESC);
CREATE INDEX change_events_connector_time_idx ON change_events (connector, occurred_at DESC, id DESC);
CREATE INDEX change_events_tags_idx ON change_events USING gin (tags);
CREATE INDEX change_events_refs_idx ON change_events USING gin (refs);
CREATE INDEX change_events_search_idx ON change_events USING gin (search);
CREATE INDEX change_events_links_idx ON change_events USING gin (links);
CREATE INDEX change_events_service_time_idx
  ON change_events (service, occurred_at DESC, id DESC) WHERE service <> '';
CREATE INDEX change_events_environment_time_idx
  ON change_events (environment, occurred_at DESC, id DESC) WHERE environment <> '';
CREATE INDEX change_events_team_time_idx
  ON change_events (team, occurred_at DESC, id DESC) WHERE team <> '';

CREATE TRIGGER change_event_hours_insert AFTER INSERT ON change_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();
CREATE TRIGGER change_event_hours_update AFTER UPDATE ON change_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();
CREATE TRIGGER change_event_hours_delete AFTER DELETE ON change_events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION change_event_hours_apply();

-- The store's batch write, change_events_write(), is defined in 008.
