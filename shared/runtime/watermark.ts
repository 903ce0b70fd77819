/**
 * Incremental cursors over lists ordered by a timestamp: the newest time seen plus the ids seen at exactly that
 * time, so an inclusive `since` neither repeats nor misses items that share a second.
 */
export interface Watermark {
  since: string;
  atSince: (string | number)[];
}

export function watermark(since: string): Watermark {
  return { since, atSince: [] };
}

/** True for an item newer than the watermark, or at it and not yet seen. */
export function isNew(w: Watermark, time: string, id: string | number): boolean {
  return time > w.since || (time === w.since && !w.atSince.includes(id));
}

/** Moves the watermark past `items` (which were all handled). */
export function advance(w: Watermark, items: { time: string; id: string | number }[], keep = 200): Watermark {
  let since = w.since;
  for (const it of items) if (it.time > since) since = it.time;
  const at = items.filter((it) => it.time === since).map((it) => it.id);
  const atSince = since === w.since ? [...new Set([...at, ...w.atSince])] : at;
  return { since, atSince: atSince.slice(0, keep) };
}
