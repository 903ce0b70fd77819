/** Config lines that name an upstream target plus options: `owner/repo branches=main,release tags=team-a`. */

export interface TargetLine {
  name: string;
  branches: string[];
  tags: string[];
}

export class TargetLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetLineError";
  }
}

/** Parses one line; `normalize` turns the name into canonical form or returns null if it is invalid. */
export function parseTargetLine(
  line: string,
  normalize: (name: string) => string | null,
  what: string,
): TargetLine {
  const [raw = "", ...opts] = line.trim().split(/\s+/);
  const name = normalize(raw);
  if (!name) throw new TargetLineError(`"${line}" is not ${what}`);
  const target: TargetLine = { name, branches: [], tags: [] };
  for (const opt of opts) {
    const [k, v = ""] = opt.split("=", 2);
    const values = v.split(",").map((s) => s.trim()).filter(Boolean);
    if (k === "branches" || k === "branch") target.branches = values;
    else if (k === "tags" || k === "tag") target.tags = values;
    else throw new TargetLineError(`Unknown option "${k}" in "${line}" (use branches= or tags=)`);
  }
  return target;
}

/** The lines of a `list` config field. */
export function configLines(value: unknown): string[] {
  return (Array.isArray(value) ? value.map(String) : []).map((l) => l.trim()).filter(Boolean);
}
