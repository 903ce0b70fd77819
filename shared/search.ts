/**
 * Full-text search with one definition of a word for both sides: the store turns a change's text into a tsvector
 * literal, the gateway turns a websearch-style query into a tsquery literal. Postgres parses neither: its text
 * parser (to_tsvector) was a third of its time per stored change. A word is a run of letters, combining marks and
 * digits (NFC, lower-cased; a dotted capital I is an i, a final sigma a sigma), so "checkout" finds
 * acme/checkout#12, "İzmir" finds IZMIR, and the phrase "service-3" finds "service 3".
 */

const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/u;
/** Postgres's limits, as to_tsvector applies them: a lexeme under 2 KiB, positions up to 16383, 255 per lexeme. */
const MAX_WORD_BYTES = 2046;
const MAX_POSITION = 16383;
const MAX_POSITIONS = 255;
const DESCRIPTION_CHARS = 2000;
const utf8 = new TextEncoder();

/** Which definition of a word a stored vector was made with: rows made with another are re-indexed. */
export const SEARCH_VERSION = 1;

/** The words of a text, in order. */
export function searchWords(text: string): string[] {
  const out: string[] = [];
  // deno-lint-ignore no-control-regex
  const plain = /^[\x00-\x7f]*$/.test(text);
  const lower = plain
    ? text.toLowerCase()
    : text.normalize("NFC").replaceAll("İ", "I").toLowerCase().replaceAll("ς", "σ");
  for (const w of lower.split(NOT_WORD)) {
    if (w !== "" && (w.length * 3 <= MAX_WORD_BYTES || utf8.encode(w).length <= MAX_WORD_BYTES)) out.push(w);
  }
  return out;
}

/** Each word's positions (from 1), as Postgres keeps them: at most 255 per word, none past 16383. */
export function wordPositions(words: string[]): Map<string, number[]> {
  const at = new Map<string, number[]>();
  let pos = 0;
  for (const w of words) {
    if (pos < MAX_POSITION) pos++;
    const list = at.get(w);
    if (!list) at.set(w, [pos]);
    else if (list.length < MAX_POSITIONS && list[list.length - 1] !== pos) list.push(pos);
  }
  return at;
}

/** The fields a change is found by. */
export interface Searchable {
  title: string;
  author: string;
  subject: string | null;
  description: string;
  service: string;
  environment: string;
  tags: string[];
  refs: string[];
}

/** The text a change is found by: its fields in one order, the description's first 2,000 characters. */
export function searchText(r: Searchable): string {
  return [
    r.title,
    r.author,
    r.subject ?? "",
    r.description.length <= DESCRIPTION_CHARS
      ? r.description
      : [...r.description.slice(0, DESCRIPTION_CHARS * 2)].slice(0, DESCRIPTION_CHARS).join(""),
    r.service,
    r.environment,
    ...r.tags,
    ...r.refs,
  ].join(" ");
}

/** A change's search vector, as the text Postgres reads into a tsvector: `'word':1,4 'other':2 …`. */
export function searchVector(r: Searchable): string {
  let out = "";
  for (const [w, at] of wordPositions(searchWords(searchText(r)))) {
    out += `${out ? " " : ""}'${w}':${at.join(",")}`;
  }
  return out;
}

/** One alternative of a search: terms (each a word or a phrase: its words in order) that must and must not appear. */
export interface SearchGroup {
  must: string[][];
  not: string[][];
}

/**
 * A search box's query, read as websearch syntax: every word must appear, "quoted words" (and words joined by
 * punctuation, like service-3) in that order, `-word` must not appear, and `or` separates alternatives.
 */
export function parseSearch(q: string): SearchGroup[] {
  const groups: SearchGroup[] = [{ must: [], not: [] }];
  for (const raw of q.match(/-?"[^"]*"?|\S+/g) ?? []) {
    if (raw.toLowerCase() === "or") {
      groups.push({ must: [], not: [] });
      continue;
    }
    const negated = raw.startsWith("-") && raw.length > 1;
    const words = searchWords(negated ? raw.slice(1) : raw);
    if (words.length > 0) groups.at(-1)![negated ? "not" : "must"].push(words);
  }
  return groups.filter((g) => g.must.length > 0 || g.not.length > 0);
}

/** The query as a tsquery literal; null when it holds no word (it then matches nothing). */
export function searchQuery(q: string): string | null {
  const term = (words: string[]) =>
    words.length === 1 ? `'${words[0]}'` : `(${words.map((w) => `'${w}'`).join(" <-> ")})`;
  const alternatives = parseSearch(q).map((g) => {
    const terms = [...g.must.map(term), ...g.not.map((t) => `!${term(t)}`)];
    return terms.length === 1 ? terms[0]! : `(${terms.join(" & ")})`;
  });
  return alternatives.length ? alternatives.join(" | ") : null;
}

/** Whether a text matches a parsed search, as Postgres matches its vector (for changes that arrive live). */
export function matchesSearch(text: string, groups: SearchGroup[]): boolean {
  if (groups.length === 0) return false;
  const at = wordPositions(searchWords(text));
  const has = (t: string[]) =>
    (at.get(t[0]!) ?? []).some((p) => t.every((w, j) => j === 0 || (at.get(w)?.includes(p + j) ?? false)));
  return groups.some((g) => g.must.every(has) && !g.not.some(has));
}
