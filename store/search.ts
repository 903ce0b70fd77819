/**
 * What change_event_search() and change_event_links() (migrations 003 and 004) compute, done in the store: the
 * database then only parses the document (to_tsvector) instead of also assembling and rewriting it with regular
 * expressions per row, which was half of Postgres's time per write. search_test.ts keeps both sides equal.
 */

/** The text the search vector is parsed from: the fields, then the same with every run of non-alphanumerics as a space. */
export function searchDocument(r: {
  title: string;
  author: string;
  subject: string | null;
  description: string;
  service: string;
  environment: string;
  tags: string[];
  refs: string[];
}): string {
  const doc = [
    r.title,
    r.author,
    r.subject,
    [...r.description].slice(0, 2000).join(""),
    r.service,
    r.environment,
    r.tags.join(" "),
    r.refs.join(" "),
  ].filter((v) => v !== null).join(" ");
  return `${doc} ${doc.replace(/[^\p{L}\p{N}]+/gu, " ")}`;
}

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
