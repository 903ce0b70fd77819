/** zod validation of query, params and bodies, answering 400 with the zod message. */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { describeError } from "@painchain/shared/internal";

export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result, c) => {
    if (!result.success) {
      return c.json({ error: "Invalid request", detail: describeError(result.error) }, 400);
    }
  });
}

/** A query parameter that may be given several times (?tag=a&tag=b) or comma-separated. */
export const repeated = (item: z.ZodType<string, string> = z.string().min(1).max(200)) =>
  z.union([z.string(), z.array(z.string())]).optional().transform((v) =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim())
      .filter(Boolean)
  ).pipe(z.array(item).max(50));

export const isoDate = z.iso.datetime({
  offset: true,
  error: "Must be an ISO 8601 time, e.g. 2026-11-26T10:00:00Z",
})
  .transform((s) => new Date(s));

/** The nesting depth of a JSON text, counted without parsing it (strings skipped). */
export function maxJsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) max = depth;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}
