-- Every ChangeEvent, one row per (connector, id) for the life of the change.
CREATE TABLE IF NOT EXISTS change_events (
  connector     text        NOT NULL,
  id            text        NOT NULL,
  event_type    text        NOT NULL,
  connection_id text        NOT NULL,
  source        text        NOT NULL,
  subject       text,
  title         text        NOT NULL,
  description   text        NOT NULL DEFAULT '',
  author        text        NOT NULL DEFAULT '',
  url           text        NOT NULL DEFAULT '',
  status        text        NOT NULL DEFAULT '',
  tags          text[]      NOT NULL DEFAULT '{}',
  -- Keys that chain changes (sha:…, pr:…, image:…), for "what changed before T".
  refs          text[]      NOT NULL DEFAULT '{}',
  metadata      jsonb       NOT NULL DEFAULT '{}',
  occurred_at   timestamptz NOT NULL,
  recorded_at   timestamptz NOT NULL,
  stored_at     timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  content_hash  text        NOT NULL,
  version       integer     NOT NULL DEFAULT 1,
  -- One parse per row: the timeline orders by time, so no ranking weights are needed.
  search        tsvector    GENERATED ALWAYS AS (
    to_tsvector('simple', title || ' ' || author || ' ' || coalesce(subject, '') || ' ' || left(description, 2000))
  ) STORED,
  PRIMARY KEY (connector, id)
);

-- Timeline order (newest first) with the id as tie-breaker for keyset pagination.
CREATE INDEX IF NOT EXISTS change_events_time_idx ON change_events (occurred_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS change_events_connector_time_idx ON change_events (connector, occurred_at DESC, id DESC);
-- Exact tag match: tags @> ARRAY['prod'] does not match 'preprod'.
CREATE INDEX IF NOT EXISTS change_events_tags_idx ON change_events USING gin (tags);
CREATE INDEX IF NOT EXISTS change_events_refs_idx ON change_events USING gin (refs);
CREATE INDEX IF NOT EXISTS change_events_search_idx ON change_events USING gin (search);
