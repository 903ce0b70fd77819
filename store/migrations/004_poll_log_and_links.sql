-- Every poll of every connection, from the connectors' status history: what was being watched, and when it was
-- not (erroring, rate-limited, lagging behind its interval, or held by no replica). Coverage gaps come from here.
CREATE TABLE IF NOT EXISTS poll_log (
  connector     text        NOT NULL,
  connection_id text        NOT NULL,
  at            timestamptz NOT NULL,
  outcome       text        NOT NULL,  -- ok | partial | error
  duration_ms   integer     NOT NULL DEFAULT 0,
  interval_ms   integer     NOT NULL DEFAULT 0,
  events        integer     NOT NULL DEFAULT 0,
  -- Time the poll spent waiting for an upstream rate limit to reset.
  rate_limited_ms integer   NOT NULL DEFAULT 0,
  instance_id   text        NOT NULL DEFAULT '',
  error         text        NOT NULL DEFAULT '',
  PRIMARY KEY (connector, connection_id, at)
);
CREATE INDEX IF NOT EXISTS poll_log_at_idx ON poll_log (at);

-- Keys that chain changes together (same commit, pull request, image, tag), plus `sha7:<first 7 hex>` for every
-- commit and for every image tag that looks like one, so a rollout of image app:abc1234 finds commit abc1234… .
ALTER TABLE change_events ADD COLUMN IF NOT EXISTS links text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION change_event_links(refs text[]) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT k), '{}') FROM (
    SELECT r AS k FROM unnest(refs) r WHERE r ~ '^(sha|pr|image|tag|mr|helm):'
    UNION ALL
    SELECT 'sha7:' || lower(substring(r from '^sha:([0-9a-fA-F]{7})')) FROM unnest(refs) r
      WHERE r ~ '^sha:[0-9a-fA-F]{7,40}$'
    UNION ALL
    SELECT 'sha7:' || lower(substring(r from ':([0-9a-fA-F]{7})[0-9a-fA-F]{0,33}$')) FROM unnest(refs) r
      WHERE r ~ '^image:.*:[0-9a-fA-F]{7,40}$'
  ) x
$$;

UPDATE change_events SET links = change_event_links(refs) WHERE refs <> '{}';
CREATE INDEX IF NOT EXISTS change_events_links_idx ON change_events USING gin (links);
