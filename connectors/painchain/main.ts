import { serveConnector } from "@painchain/shared";
import { painchainConnector } from "./connector.ts";

await serveConnector(painchainConnector);
