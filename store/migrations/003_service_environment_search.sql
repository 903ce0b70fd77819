-- Services and environments are columns of every change: declared by the event (a deployment's environment, a
-- Kubernetes app label, the change API's fields) and completed by the service catalog; both indexed.
ALTER TABLE change_events
  ADD COLUMN IF NOT EXISTS declared_service     text    NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS declared_environment text    NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS service              text    NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS environment          text    NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS team                 text    NOT NULL DEFAULT '',
  -- The catalog revision the derived columns were computed with (re-derived in the background when it changes).
  ADD COLUMN IF NOT EXISTS catalog_version      integer NOT NULL DEFAULT 0;

CREATE INDEX IF NOT EXISTS change_events_service_time_idx
  ON change_events (service, occurred_at DESC, id DESC) WHERE service <> '';
CREATE INDEX IF NOT EXISTS change_events_environment_time_idx
  ON change_events (environment, occurred_at DESC, id DESC) WHERE environment <> '';

-- Search covers where a change happened too (subject, repository and refs, tags, service, environment), and
-- finds words inside paths: "checkout" finds acme/checkout#12. The store computes it on every write.
ALTER TABLE change_events DROP COLUMN IF EXISTS search;
ALTER TABLE change_events ADD COLUMN search tsvector;

CREATE OR REPLACE FUNCTION change_event_search(
  title text, author text, subject text, description text, tags text[], refs text[], service text, environment text
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple', doc || ' ' || regexp_replace(doc, '[^[:alnum:]]+', ' ', 'g'))
  FROM (SELECT concat_ws(' ', title, author, subject, left(description, 2000), service, environment,
                         array_to_string(tags, ' '), array_to_string(refs, ' ')) AS doc) d
$$;

UPDATE change_events SET search = change_event_search(title, author, subject, description, tags, refs, service, environment);
CREATE INDEX IF NOT EXISTS change_events_search_idx ON change_events USING gin (search);
