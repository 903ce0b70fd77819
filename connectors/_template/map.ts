/** Pure mapping from the upstream's JSON to changes. Keep it pure: it is what the tests pin down. */
import type { MappedChange } from "@painchain/shared";

/** One item of `GET <API URL>/changes`, newest first. Only the fields read here. */
export interface UpstreamChange {
  id: string;
  kind: string;
  title: string;
  at: string;
  author?: string;
  url?: string;
  status?: string;
  service?: string;
  environment?: string;
}

export function mapChange(c: UpstreamChange, tags: string[]): MappedChange {
  return {
    // The event id becomes `template-change-<id>`: stable for the life of the change, so a later version of it
    // (a status that moved on) updates the stored row instead of adding one.
    upstreamId: c.id,
    eventType: "change",
    time: c.at,
    title: c.title,
    author: c.author ?? "",
    url: c.url ?? "",
    status: c.status ?? "",
    service: c.service ?? "",
    environment: c.environment ?? "",
    tags,
    metadata: { kind: c.kind, upstreamId: c.id },
  };
}
