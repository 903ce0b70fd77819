/**
 * One poll: ask for what changed since the cursor, map it, emit it, and hand back the new cursor. The runtime
 * saves the cursor once every emitted change is acknowledged, retries with backoff when this throws, and runs one
 * poll per interval across all replicas.
 */
import {
  advance,
  isNew,
  type PollContext,
  type PollOutcome,
  upstreamErrorText,
  type Watermark,
  watermark,
} from "@painchain/shared";
import { mapChange, type UpstreamChange } from "./map.ts";
import { settingsOf } from "./settings.ts";

export async function pollTemplate(ctx: PollContext): Promise<PollOutcome> {
  const s = settingsOf(ctx.connection);
  const since: Watermark = (ctx.cursor as Watermark | null) ??
    watermark(new Date(ctx.now().getTime() - s.backfillDays * 86400_000).toISOString());
  const url = new URL(`${s.baseUrl}/changes`);
  url.searchParams.set("since", since.since);
  let res: Response;
  try {
    res = await ctx.fetch(url, {
      headers: { accept: "application/json", ...(s.token ? { authorization: `Bearer ${s.token}` } : {}) },
      signal: ctx.signal,
    });
  } catch (err) {
    // Says what failed (refused, DNS, TLS, timeout) and the host; never an upstream's body.
    throw new Error(upstreamErrorText(err, { host: url.host }));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(
      upstreamErrorText({ status: res.status }, { host: url.host, hints: { 401: "check the API token" } }),
    );
  }
  const items = (await res.json()) as UpstreamChange[];
  const fresh = items.filter((c) => isNew(since, c.at, c.id));
  await ctx.emit(fresh.map((c) => mapChange(c, ctx.connection.tags)));
  return { cursor: advance(since, fresh.map((c) => ({ time: c.at, id: c.id }))) };
}
