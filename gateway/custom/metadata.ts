/** The `custom` connector: changes pushed through POST /api/changes (deploy scripts, feature flags, notes). */
import type { ConnectorMetadataInput } from "@painchain/shared";

const details = {
  title: "Change",
  fields: [
    { key: "metadata.service", label: "Service" },
    { key: "metadata.environment", label: "Environment" },
    { key: "metadata.start", label: "Started", format: "time" as const },
    { key: "metadata.end", label: "Ended", format: "time" as const },
    { key: "metadata.durationSeconds", label: "Duration", format: "duration" as const },
    { key: "metadata.postedBy", label: "Posted with", visible: false },
  ],
};
const extra = {
  title: "Extra",
  fields: [{ key: "metadata.extra", label: "Details", format: "json" as const }],
};
const type = (displayName: string, description: string) => ({
  displayName,
  description,
  sections: [details, extra],
});

export const CUSTOM_EVENT_TYPES = ["deploy", "feature_flag", "config", "note", "incident", "change"] as const;

export const customMetadata: ConnectorMetadataInput = {
  id: "custom",
  displayName: "Custom",
  color: "#F59E0B",
  logo: "logo.svg",
  description: "Changes posted to the change API: deploy scripts, feature-flag flips, manual notes",
  internal: true,
  configSchema: [],
  eventTypes: {
    deploy: type("Deploys", "A deploy reported by a script or pipeline"),
    feature_flag: type("Feature flags", "A feature flag turned on, off or changed"),
    config: type("Config changes", "A configuration change made outside the tracked systems"),
    note: type("Notes", "A manual note on the timeline"),
    incident: type("Incidents", "An incident opened or resolved"),
    change: type("Changes", "Any other change"),
  },
};
