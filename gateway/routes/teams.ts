/** Teams: a name plus the tags its changes carry, used by the dashboard's team filter. */
import { Hono } from "hono";
import type { KV } from "nats";
import { z } from "zod";
import { decoder, encoder, kvKeys } from "@painchain/shared/internal";
import { ConflictError, NotFoundError } from "../errors.ts";
import { validate } from "../validation.ts";
import { slug } from "../connections_store.ts";
import { actorOf, type Principal } from "../auth.ts";
import type { Audit } from "../audit.ts";

export const teamSchema = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  tags: z.union([
    z.array(z.string().trim().min(1).max(64)).min(1).max(50),
    z.string().max(2000).transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean)).pipe(
      z.array(z.string().max(64)).min(1, "Give at least one tag"),
    ),
  ]),
}).strict();

const idParam = z.object({ id: z.string().regex(/^[a-z0-9-]{1,60}$/, "Invalid team id") });

interface Team {
  id: string;
  name: string;
  tags: string[];
}

type Env = { Variables: { principal: Principal | null } };

export function teamsRoutes(deps: { kv: KV; audit: Audit }) {
  const app = new Hono<Env>();
  const record = (
    action: "team.created" | "team.updated" | "team.deleted",
    c: { get(k: "principal"): Principal | null },
    team: Team,
  ) => deps.audit.record({ action, actor: actorOf(c.get("principal")), target: { ...team } });
  const list = async (): Promise<Team[]> => {
    const out: Team[] = [];
    for (const k of await kvKeys(deps.kv)) {
      const e = await deps.kv.get(k);
      if (e && e.operation === "PUT") out.push(JSON.parse(decoder.decode(e.value)));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  };
  app.get("/", async (c) => c.json(await list()));
  app.post("/", validate("json", teamSchema), async (c) => {
    const body = c.req.valid("json");
    const team: Team = { id: slug(body.name).slice(0, 60), name: body.name, tags: body.tags };
    try {
      await deps.kv.create(team.id, encoder.encode(JSON.stringify(team)));
    } catch (err) {
      throw new ConflictError(`A team named "${body.name}" exists`, { cause: err });
    }
    await record("team.created", c, team);
    return c.json(team, 201);
  });
  app.put("/:id", validate("param", idParam), validate("json", teamSchema), async (c) => {
    const { id } = c.req.valid("param");
    const e = await deps.kv.get(id);
    if (!e || e.operation !== "PUT") throw new NotFoundError("No such team");
    const team: Team = { id, ...c.req.valid("json") };
    await deps.kv.put(id, encoder.encode(JSON.stringify(team)));
    await record("team.updated", c, team);
    return c.json(team);
  });
  app.delete("/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const e = await deps.kv.get(id);
    if (!e || e.operation !== "PUT") throw new NotFoundError("No such team");
    await deps.kv.delete(id);
    await record("team.deleted", c, JSON.parse(decoder.decode(e.value)) as Team);
    return c.body(null, 204);
  });
  return app;
}
