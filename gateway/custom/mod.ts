/** The `custom` connector, hosted by the gateway: metadata, logo and the change API's mapping. */
import { connectorMetadataSchema } from "@painchain/shared";
import type { BuiltinConnector } from "../routes/connectors.ts";
import { customLogoSvg } from "./logo.ts";
import { customMetadata } from "./metadata.ts";

export const customConnector: BuiltinConnector = {
  metadata: connectorMetadataSchema.parse(customMetadata),
  logo: { type: "image/svg+xml", body: new TextEncoder().encode(customLogoSvg) },
};
