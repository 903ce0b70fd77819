/** Error texts shown in statuses and API answers. */
import { ZodError } from "zod";

/** A short readable reason: zod issues as `path: message`, other errors by their message. */
export function describeError(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}
