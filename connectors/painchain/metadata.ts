/** PainChain's own connector: the audit trail of connection changes. */
import type { ConnectorMetadataInput } from "@painchain/shared";

const connectionSection = {
  title: "Connection",
  fields: [
    { key: "metadata.connector", label: "Connector" },
    { key: "metadata.connectionName", label: "Name" },
    { key: "metadata.connectionId", label: "Connection id", visible: false },
    { key: "metadata.revision", label: "Revision", format: "number" as const, visible: false },
  ],
};
const diffSection = {
  title: "Changes",
  fields: [{ key: "metadata.diff", label: "Field changes", format: "diff" as const }],
};

export const metadata: ConnectorMetadataInput = {
  id: "painchain",
  displayName: "PainChain",
  color: "#9f7aea",
  logo: "logo.svg",
  description: "Audit trail of PainChain itself: connections created, changed, enabled, disabled and deleted",
  internal: true,
  configSchema: [],
  eventTypes: {
    ConnectorCreated: { displayName: "Connection created", sections: [connectionSection, diffSection] },
    ConnectorUpdated: { displayName: "Connection updated", sections: [connectionSection, diffSection] },
    ConnectorDeleted: { displayName: "Connection deleted", sections: [connectionSection] },
    ConnectorEnabled: { displayName: "Connection enabled", sections: [connectionSection] },
    ConnectorDisabled: { displayName: "Connection disabled", sections: [connectionSection] },
  },
};
