/** Preferences kept in the browser (localStorage); safe to import where there is no storage (unit tests). */
import { signal } from "@preact/signals";

const store = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
};

export function readPref(key: string): string | null {
  return store()?.getItem(key) ?? null;
}

export function writePref(key: string, value: string) {
  try {
    store()?.setItem(key, value);
  } catch { /* storage full or refused: the preference lasts for this page only */ }
}

export const useUtc = signal(readPref("painchain.utc") === "1");
export const theme = signal<"dark" | "light">(readPref("painchain.theme") === "light" ? "light" : "dark");
export const density = signal(readPref("painchain.density") === "1");
