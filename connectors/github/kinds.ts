/** The kinds of change this connector tracks (each one an event type in metadata.json). */
export const KINDS = ["pull_request", "commit", "release", "tag", "workflow_run", "deployment"] as const;
export type Kind = typeof KINDS[number];
