/** Reads a connection's settings; throws a clear message for anything the poll cannot work with. */
import type { Connection } from "@painchain/shared";

export interface TemplateSettings {
  baseUrl: string;
  token: string | null;
  backfillDays: number;
}

export function settingsOf(c: Connection): TemplateSettings {
  const baseUrl = String(c.config.baseUrl ?? "").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) throw new Error("Give the API URL (http or https)");
  return {
    baseUrl,
    token: c.secrets.token || null,
    backfillDays: typeof c.config.backfillDays === "number" ? c.config.backfillDays : 7,
  };
}
