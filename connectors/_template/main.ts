import { serveConnector } from "@painchain/shared";
import { templateConnector } from "./connector.ts";

await serveConnector(templateConnector);
