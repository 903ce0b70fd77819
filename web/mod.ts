// The web UI is bundled by build.ts; this module exists so the workspace member resolves.
export const WEB_DIST = new URL("./dist/", import.meta.url);
