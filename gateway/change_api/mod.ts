/**
 * The change API's own connector (`connectors/custom/`): deploy scripts, feature flags and notes pushed through
 * POST /api/changes. It has no process of its own: the gateway hosts its metadata and logo.
 */
import { connectorMetadataSchema } from "@painchain/shared/internal";
import metadataJson from "../../connectors/custom/metadata.json" with { type: "json" };
import type { BuiltinConnector } from "../routes/connectors.ts";

/** The connector id changes posted to the change API are stored under. */
export const CHANGE_API_CONNECTOR: string = metadataJson.id;

export function changeApiConnector(): BuiltinConnector {
  const metadata = connectorMetadataSchema.parse(metadataJson);
  const logo = Deno.readFileSync(new URL(`../../connectors/custom/${metadata.logo}`, import.meta.url));
  return { metadata, logo: { type: "image/svg+xml", body: logo } };
}
