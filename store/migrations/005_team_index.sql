-- The catalog's team is a filter too (and a facet).
CREATE INDEX IF NOT EXISTS change_events_team_time_idx
  ON change_events (team, occurred_at DESC, id DESC) WHERE team <> '';
