/**
 * The service catalog: GET /api/catalog (the rules from the file and from the API, and the version rows are
 * derived with), PUT /api/catalog (replace the API's rules; `write`). Stores re-derive existing rows in the
 * background when the rules change.
 */
import { Hono } from "hono";
import type { KV } from "nats";
import type postgres from "postgres";
import {
  CATALOG_KEYS,
  catalogSchema,
  catalogVersion,
  decoder,
  effectiveCatalog,
  encoder,
  type StoredCatalog,
} from "@painchain/shared/internal";
import { actorOf, type Principal } from "../auth.ts";
import type { Audit } from "../audit.ts";
import { validate } from "../validation.ts";

type Env = { Variables: { principal: Principal | null } };

export function catalogRoutes(deps: { kv: KV; sql: postgres.Sql; audit: Audit; now: () => Date }) {
  const app = new Hono<Env>();
  const read = async (key: string): Promise<StoredCatalog | null> => {
    const e = await deps.kv.get(key);
    return e && e.operation === "PUT" ? JSON.parse(decoder.decode(e.value)) as StoredCatalog : null;
  };

  app.get("/", async (c) => {
    const [file, api] = await Promise.all([read(CATALOG_KEYS.file), read(CATALOG_KEYS.api)]);
    const rules = effectiveCatalog(file, api);
    const version = catalogVersion(rules);
    // Rows still derived with an older catalog (the stores are re-deriving them).
    const [pending] = await deps.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM change_events WHERE catalog_version <> ${version} LIMIT 100000) x`;
    return c.json({ version, file, api, rules: rules.rules, pending: pending?.n ?? 0 });
  });

  app.put("/", validate("json", catalogSchema), async (c) => {
    const { rules } = c.req.valid("json");
    const actor = actorOf(c.get("principal"));
    await deps.audit.record({ action: "catalog.updated", actor, target: { rules: rules.length } });
    const stored: StoredCatalog = { rules, updatedAt: deps.now().toISOString(), updatedBy: actor };
    await deps.kv.put(CATALOG_KEYS.api, encoder.encode(JSON.stringify(stored)));
    const file = await read(CATALOG_KEYS.file);
    return c.json({ version: catalogVersion(effectiveCatalog(file, stored)), file, api: stored });
  });

  return app;
}
