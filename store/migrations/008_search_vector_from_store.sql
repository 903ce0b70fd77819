-- The search vector arrives made: the store splits a change's text into words (@painchain/shared/search) and sends
-- the tsvector's text, which Postgres reads without running its text parser (a third of its time per write).
-- search_version says which definition of a word made it (0: Postgres's parser, before this); the store
-- re-indexes rows made with another one in the background (store/catalog.ts).
ALTER TABLE change_events ADD COLUMN IF NOT EXISTS search_version smallint NOT NULL DEFAULT 0;

-- The store's batch write, one statement for the client (no transaction held open across round trips). Inside,
-- each statement has its own snapshot: the first decides on change_event_keys, under the keys' row locks (taken
-- in key order, held to commit), which versions win — a new key; a newer version (later recorded_at, then hash;
-- a different hash) of a change owned by the same connection, or by one that stopped polling a day ago; the rest
-- change nothing. The next ones, seeing every earlier writer of those keys, write the winners' rows: in place,
-- moved to their new month (version and stored_at carried over) when occurred_at changed, or inserted. Rows: the
-- store's toRow() shape, newest version per key, plus search (the tsvector's text, made by the store:
-- @painchain/shared/search; a store from before 008 sends search_doc, parsed here) and links (change_event_links(),
-- computed by the store: store/search.ts). Returns the keys written (`inserted` for new
-- ones) with what the database set: stored_at, updated_at, version.
CREATE OR REPLACE FUNCTION change_events_write(batch jsonb) RETURNS TABLE (
  inserted boolean, connector text, id text, stored_at timestamptz, updated_at timestamptz, version integer
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  won jsonb;
  moved jsonb;
BEGIN
  WITH w AS (
    INSERT INTO change_event_keys AS k (connector, id, occurred_at, recorded_at, content_hash, connection_id)
    SELECT b.connector, b.id, b.occurred_at, b.recorded_at, b.content_hash, b.connection_id
    FROM jsonb_to_recordset(batch) AS b(connector text, id text, occurred_at timestamptz, recorded_at timestamptz,
      content_hash text, connection_id text)
    ORDER BY 1, 2
    ON CONFLICT (connector, id) DO UPDATE SET occurred_at = excluded.occurred_at,
      recorded_at = excluded.recorded_at, content_hash = excluded.content_hash,
      connection_id = excluded.connection_id, prev_occurred_at = k.occurred_at
    WHERE k.content_hash <> excluded.content_hash
      AND (k.recorded_at, k.content_hash) < (excluded.recorded_at, excluded.content_hash)
      -- A change belongs to the connection that recorded it: another connection may update it only once the
      -- owner has stopped polling (a day without a poll), so no connection can rewrite another's changes.
      AND (k.connection_id = excluded.connection_id OR NOT EXISTS (
        SELECT 1 FROM poll_log p WHERE p.connector = k.connector AND p.connection_id = k.connection_id
          AND p.at > now() - interval '1 day'))
    RETURNING k.connector, k.id, (k.xmax = 0) AS inserted, k.prev_occurred_at AS prev_at
  ) SELECT jsonb_agg(w) INTO won FROM w;
  IF won IS NULL THEN RETURN; END IF;

  -- Newer versions of stored changes (none while a backlog of new ones drains): moved rows leave their month,
  -- the others are updated in place.
  IF jsonb_path_exists(won, '$[*] ? (@.inserted == false)') THEN
    WITH d AS (
      DELETE FROM change_events c
      USING jsonb_to_recordset(won) AS w(connector text, id text, inserted boolean, prev_at timestamptz),
        jsonb_to_recordset(batch) AS r(connector text, id text, occurred_at timestamptz)
      WHERE NOT w.inserted AND r.connector = w.connector AND r.id = w.id AND w.prev_at <> r.occurred_at
        AND c.connector = w.connector AND c.occurred_at = w.prev_at AND c.id = w.id
      RETURNING c.connector, c.id, c.version, c.stored_at
    ) SELECT jsonb_agg(d) INTO moved FROM d;

    RETURN QUERY WITH u AS (
      UPDATE change_events c SET
        event_type = x.event_type, connection_id = x.connection_id, source = x.source, subject = x.subject,
        title = x.title, description = x.description, author = x.author, url = x.url, status = x.status,
        tags = x.tags, refs = x.refs, declared_service = x.declared_service,
        declared_environment = x.declared_environment, service = x.service, environment = x.environment,
        team = x.team, catalog_version = x.catalog_version, metadata = x.metadata,
        recorded_at = x.recorded_at, content_hash = x.content_hash,
        search = coalesce(x.search, to_tsvector('simple', x.search_doc)),
        search_version = CASE WHEN x.search IS NULL THEN 0 ELSE x.search_version END, links = x.links,
        updated_at = now(), version = c.version + 1
      FROM jsonb_to_recordset(won) AS w(connector text, id text, inserted boolean, prev_at timestamptz),
        jsonb_to_recordset(batch) AS x(connector text, id text, event_type text, connection_id text, source text,
          subject text, title text, description text, author text, url text, status text, tags text[],
          refs text[], declared_service text, declared_environment text, service text, environment text,
          team text, catalog_version integer, metadata jsonb, occurred_at timestamptz, recorded_at timestamptz,
          content_hash text, search tsvector, search_version smallint,
          search_doc text, links text[])
      WHERE NOT w.inserted AND x.connector = w.connector AND x.id = w.id AND w.prev_at = x.occurred_at
        AND c.connector = x.connector AND c.occurred_at = x.occurred_at AND c.id = x.id
      RETURNING c.connector, c.id, c.stored_at, c.updated_at, c.version
    ) SELECT false, u.* FROM u;
  END IF;

  -- New changes, moved ones (version and stored_at carried over), and (defensively) a newer version whose row
  -- is gone (its month dropped by retention meanwhile).
  RETURN QUERY WITH a AS (
    INSERT INTO change_events AS c (
      connector, id, event_type, connection_id, source, subject, title, description, author, url, status,
      tags, refs, declared_service, declared_environment, service, environment, team, catalog_version,
      metadata, occurred_at, recorded_at, content_hash, search, search_version, links, version, stored_at
    )
    SELECT x.connector, x.id, x.event_type, x.connection_id, x.source, x.subject, x.title, x.description,
      x.author, x.url, x.status, x.tags, x.refs, x.declared_service, x.declared_environment, x.service,
      x.environment, x.team, x.catalog_version, x.metadata, x.occurred_at, x.recorded_at, x.content_hash,
      coalesce(x.search, to_tsvector('simple', x.search_doc)),
      CASE WHEN x.search IS NULL THEN 0 ELSE x.search_version END, x.links, coalesce(m.version + 1, 1),
      coalesce(m.stored_at, now())
    FROM jsonb_to_recordset(won) AS w(connector text, id text, inserted boolean, prev_at timestamptz)
    JOIN jsonb_to_recordset(batch) AS x(connector text, id text, event_type text, connection_id text, source text,
        subject text, title text, description text, author text, url text, status text, tags text[],
        refs text[], declared_service text, declared_environment text, service text, environment text,
        team text, catalog_version integer, metadata jsonb, occurred_at timestamptz, recorded_at timestamptz,
        content_hash text, search tsvector, search_version smallint,
          search_doc text, links text[])
      ON x.connector = w.connector AND x.id = w.id
    LEFT JOIN jsonb_to_recordset(coalesce(moved, '[]')) AS m(connector text, id text, version integer,
        stored_at timestamptz)
      ON m.connector = x.connector AND m.id = x.id
    WHERE w.inserted OR w.prev_at <> x.occurred_at OR NOT EXISTS (
      SELECT 1 FROM change_events e WHERE e.connector = x.connector AND e.occurred_at = x.occurred_at AND e.id = x.id)
    ORDER BY x.connector, x.id
    RETURNING c.connector, c.id, c.stored_at, c.updated_at, c.version
  ) SELECT a.version = 1, a.* FROM a;
END $$;
