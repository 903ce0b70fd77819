/** The store's Postgres client: the shared one (shared/db.ts). */
export { createSql, type Sql } from "@painchain/shared/internal";
