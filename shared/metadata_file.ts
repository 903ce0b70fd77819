/**
 * A connector folder's metadata.json, as the seed's connector guide promises: it is the contract. It is checked
 * when the connector starts; a bad file stops that connector with a message naming the file and the field.
 */
import { fileURLToPath } from "node:url";
import { basename } from "node:path";
import { type ConnectorMetadata, connectorMetadataSchema } from "./metadata.ts";

export class MetadataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetadataFileError";
  }
}

const where = (file: URL) => {
  const path = fileURLToPath(file);
  const i = path.lastIndexOf("/connectors/");
  return i >= 0 ? path.slice(i + 1) : path;
};

/**
 * Validates metadata that came from `<folder>/metadata.json`: the schema, `id` equal to the folder's name, and a
 * `logo` file that exists in the folder.
 */
export async function checkMetadata(raw: unknown, folder: URL): Promise<ConnectorMetadata> {
  const file = new URL("metadata.json", folder);
  const r = connectorMetadataSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new MetadataFileError(`${where(file)}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  // A folder whose name starts with "_" (the template) holds the connector without it; it is never started.
  const name = basename(fileURLToPath(folder)).replace(/^_/, "");
  if (r.data.id !== name) {
    throw new MetadataFileError(`${where(file)}: id: "${r.data.id}" must match the folder name "${name}"`);
  }
  try {
    const info = await Deno.stat(new URL(r.data.logo, folder));
    if (!info.isFile) throw new Error("not a file");
  } catch {
    throw new MetadataFileError(`${where(file)}: logo: "${r.data.logo}" is not a file in ${where(folder)}`);
  }
  return r.data;
}

/** Reads and checks `<folder>/metadata.json`. */
export async function loadMetadataFile(folder: URL): Promise<ConnectorMetadata> {
  const file = new URL("metadata.json", folder);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    throw new MetadataFileError(`${where(file)} is missing`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MetadataFileError(`${where(file)} is not valid JSON: ${(err as Error).message}`);
  }
  return await checkMetadata(raw, folder);
}
