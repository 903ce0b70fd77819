/**
 * What change_event_links() (migration 004) computes, done in the store, so the database does not rewrite refs with
 * regular expressions per row. search_test.ts keeps both sides equal. The search vector: @painchain/shared/search.
 */

const LINK = /^(sha|pr|image|tag|mr|helm):/;
const SHA = /^sha:([0-9a-fA-F]{7})[0-9a-fA-F]{0,33}$/;
const IMAGE_SHA = /^image:.*:([0-9a-fA-F]{7})[0-9a-fA-F]{0,33}$/;

/** The keys that chain changes: the chaining refs, and `sha7:` of every commit and hex-looking image tag. */
export function linksOf(refs: string[]): string[] {
  const out = new Set<string>();
  for (const r of refs) {
    if (LINK.test(r)) out.add(r);
    const m = SHA.exec(r) ?? IMAGE_SHA.exec(r);
    if (m) out.add(`sha7:${m[1]!.toLowerCase()}`);
  }
  return [...out].sort();
}
