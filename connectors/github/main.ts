import { serveConnector } from "@painchain/shared";
import { githubConnector } from "./connector.ts";

await serveConnector(githubConnector());
