import { serveConnector } from "@painchain/shared";
import { gitlabConnector } from "./connector.ts";

await serveConnector(gitlabConnector());
