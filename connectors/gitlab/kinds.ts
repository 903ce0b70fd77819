/** The kinds of change this connector tracks (each one an event type in metadata.json). */
export const KINDS = ["merge_request", "commit", "pipeline", "deployment", "tag", "release"] as const;
export type Kind = typeof KINDS[number];
