import { serveConnector } from "@painchain/shared";
import { kubernetesConnector } from "./connector.ts";

await serveConnector(kubernetesConnector());
