/** The connector: its metadata.json and logo (this folder), the poll, a connection test and the settings check. */
import { type ConnectorDefinition, memoryStateStore } from "@painchain/shared";
import metadata from "./metadata.json" with { type: "json" };
import { pollTemplate } from "./poll.ts";
import { settingsOf } from "./settings.ts";

export const templateConnector: ConnectorDefinition = {
  metadata,
  folder: new URL(".", import.meta.url),
  poll: pollTemplate,
  // Checks the settings without a request: the gateway asks before it saves a connection.
  validate: (c) => void settingsOf(c),
  // "Test connection": one poll that publishes nothing.
  async test(ctx) {
    await pollTemplate({
      ...ctx,
      cursor: null,
      emit: () => Promise.resolve(0),
      saveCursor: () => Promise.resolve(),
      state: memoryStateStore(),
      rateLimit: () => {},
      waitForRateLimit: () => Promise.resolve(),
    });
    return "Reached the API";
  },
};
