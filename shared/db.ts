/** The one way PainChain opens Postgres (store and gateway alike): postgres.js, quiet notices, bounded waits. */
import postgres from "postgres";

export type Sql = postgres.Sql;

export function createSql(url: string, opts: { max?: number; name?: string } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 4,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    ...(opts.name ? { connection: { application_name: opts.name } } : {}),
  });
}
