/**
 * Coverage: when PainChain was not watching a connection, from the poll log (every poll's outcome). After a
 * successful poll a connection counts as watched for its interval (plus the poll's own length and a grace
 * period); past that, until the next poll, it was not watched — because its polls failed ("erroring"), it waited
 * for a rate limit ("rate_limited"), or no replica polled it in time ("not_watching": lagging, or none holding
 * it). "No changes" and "not watching" never look the same.
 */
import type postgres from "postgres";
import type { Connection } from "@painchain/shared/internal";

export type GapReason = "erroring" | "rate_limited" | "not_watching";

export interface Gap {
  connector: string;
  connectionId: string;
  connectionName: string;
  from: string;
  to: string;
  reason: GapReason;
  /** What failed (the last error), or what was missing. */
  detail: string;
}

export interface PollRow {
  connector: string;
  connection_id: string;
  at: Date;
  outcome: "ok" | "partial" | "error";
  duration_ms: number;
  interval_ms: number;
  rate_limited_ms: number;
  error: string;
}

/** How long after it starts a poll's result stays good: its own length, and twice its interval plus 5 s of grace. */
export function coveredFor(p: Pick<PollRow, "duration_ms" | "interval_ms">): number {
  return p.duration_ms + 2 * Math.max(p.interval_ms, 1_000) + 5_000;
}

/**
 * The gaps of one connection within [from, to), from its polls in time order (including the last one before
 * `from`, if any). `since` is when the connection began to exist (its createdAt).
 */
export function gapsOf(
  polls: PollRow[],
  from: number,
  to: number,
  since: number,
  now: number,
): Omit<Gap, "connector" | "connectionId" | "connectionName">[] {
  const out: { from: number; to: number; reason: GapReason; detail: string }[] = [];
  const push = (a: number, b: number, reason: GapReason, detail: string) => {
    const lo = Math.max(a, from, since);
    const hi = Math.min(b, to, now);
    if (hi - lo < 1_000) return;
    const last = out.at(-1);
    if (last && last.reason === reason && lo <= last.to + 1_000) last.to = Math.max(last.to, hi);
    else out.push({ from: lo, to: hi, reason, detail });
  };
  if (polls.length === 0) {
    push(since, to, "not_watching", "no replica polled it");
    return out.map(iso);
  }
  // Before the first poll we know of: not watched, if the connection existed then.
  const first = polls[0]!.at.getTime();
  if (first > since) push(since, first, "not_watching", "no replica polled it yet");
  for (let i = 0; i < polls.length; i++) {
    const p = polls[i]!;
    const start = p.at.getTime();
    const next = polls[i + 1]?.at.getTime() ?? Math.min(to, now);
    if (p.outcome === "error") {
      // A failed poll watched nothing: not watching from it to the next poll.
      push(start, next, "erroring", p.error || "the poll failed");
      continue;
    }
    // After the last poll recorded, the next may be running still (a poll is recorded when it ends): allow it as
    // long as this one took, so a long watch is not shown as a gap while it runs.
    const running = i === polls.length - 1 ? p.duration_ms : 0;
    const until = start + coveredFor(p) + running;
    if (next > until) {
      if (p.rate_limited_ms > p.interval_ms) {
        push(
          until,
          next,
          "rate_limited",
          `waited ${Math.round(p.rate_limited_ms / 1000)} s for the rate limit`,
        );
      } else {
        push(
          until,
          next,
          "not_watching",
          `no poll for ${Math.round((next - start) / 1000)} s (interval ${
            Math.round(p.interval_ms / 1000)
          } s)`,
        );
      }
    }
  }
  return out.map(iso);
}

const iso = (g: { from: number; to: number; reason: GapReason; detail: string }) => ({
  from: new Date(g.from).toISOString(),
  to: new Date(g.to).toISOString(),
  reason: g.reason,
  detail: g.detail,
});

/** The gaps of every enabled connection within [from, to). */
export async function coverageGaps(
  sql: postgres.Sql,
  connections: Connection[],
  from: Date,
  to: Date,
  now: Date,
): Promise<Gap[]> {
  const enabled = connections.filter((c) => c.enabled);
  if (enabled.length === 0) return [];
  // The polls in range, and the one just before it (whose result may still cover its start).
  const lookback = new Date(from.getTime() - 24 * 3600_000);
  const rows = await sql<PollRow[]>`
    SELECT connector, connection_id, at, outcome, duration_ms, interval_ms, rate_limited_ms, error FROM poll_log
    WHERE at >= ${lookback} AND at < ${to}
      AND (connector, connection_id) IN (SELECT * FROM unnest(${
    sql.array(enabled.map((c) => c.connector))
  }::text[],
        ${sql.array(enabled.map((c) => c.id))}::text[]))
    ORDER BY connector, connection_id, at`;
  const byConn = new Map<string, PollRow[]>();
  for (const r of rows) {
    const k = `${r.connector}.${r.connection_id}`;
    const list = byConn.get(k) ?? [];
    list.push(r);
    byConn.set(k, list);
  }
  const gaps: Gap[] = [];
  for (const c of enabled) {
    const polls = byConn.get(`${c.connector}.${c.id}`) ?? [];
    // Only the last poll before `from` matters.
    const firstIn = polls.findIndex((p) => p.at >= from);
    const relevant = firstIn <= 0
      ? polls.slice(Math.max(0, firstIn === -1 ? polls.length - 1 : 0))
      : polls.slice(firstIn - 1);
    for (const g of gapsOf(relevant, from.getTime(), to.getTime(), Date.parse(c.createdAt), now.getTime())) {
      gaps.push({ connector: c.connector, connectionId: c.id, connectionName: c.name, ...g });
    }
  }
  return gaps.sort((a, b) => a.from.localeCompare(b.from) || a.connectionId.localeCompare(b.connectionId));
}
