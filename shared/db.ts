/** The one way PainChain opens Postgres (store and gateway alike): postgres.js, quiet notices, bounded waits. */
import postgres from "postgres";

export type Sql = postgres.Sql;

export interface SqlOptions {
  /** Pool size (4 when not given). */
  max?: number;
  /** application_name, shown in pg_stat_activity. */
  name?: string;
  /** Session settings sent at connect (run-time parameters, e.g. `gin_pending_list_limit`). */
  settings?: Record<string, string>;
}

export function createSql(url: string, opts: SqlOptions = {}): Sql {
  const connection = { ...opts.settings, ...(opts.name ? { application_name: opts.name } : {}) };
  return postgres(url, {
    max: opts.max ?? 4,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    ...(Object.keys(connection).length ? { connection } : {}),
  });
}
