import assert from "node:assert/strict";
import { checkMetadata, loadMetadataFile, MetadataFileError } from "./metadata_file.ts";

const base = {
  id: "mine",
  displayName: "Mine",
  color: "#112233",
  logo: "logo.svg",
  description: "Mine",
};

Deno.test("a connector folder's metadata.json is the contract, checked at start", async (t) => {
  const root = await Deno.makeTempDir();
  const folder = new URL(`file://${root}/connectors/mine/`);
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeTextFile(new URL("logo.svg", folder), "<svg/>");
  try {
    await t.step("a valid file passes", async () => {
      await Deno.writeTextFile(new URL("metadata.json", folder), JSON.stringify(base));
      assert.equal((await loadMetadataFile(folder)).id, "mine");
    });
    await t.step("an invalid file stops it with the file and the field named", async () => {
      for (
        const [raw, field] of [
          [{ ...base, color: "green" }, "color"],
          [{ ...base, displayName: undefined }, "displayName"],
          [{ ...base, configSchema: [{ key: "x", label: "X", type: "telepathy" }] }, "configSchema.0.type"],
          [{ ...base, id: "other" }, "id"],
          [{ ...base, logo: "missing.png" }, "logo"],
        ] as const
      ) {
        const err = await checkMetadata(raw, folder).catch((e) => e);
        assert.ok(err instanceof MetadataFileError, field);
        assert.match(
          err.message,
          new RegExp(`^connectors/mine/metadata\\.json: ${field.replaceAll(".", "\\.")}: `),
        );
      }
    });
    await t.step("missing or broken JSON is named too", async () => {
      await Deno.writeTextFile(new URL("metadata.json", folder), "{ not json");
      await assert.rejects(
        () => loadMetadataFile(folder),
        /connectors\/mine\/metadata\.json is not valid JSON/,
      );
      await Deno.remove(new URL("metadata.json", folder));
      await assert.rejects(() => loadMetadataFile(folder), /connectors\/mine\/metadata\.json is missing/);
    });
    await t.step("every connector folder of this repository passes", async () => {
      for await (const e of Deno.readDir(new URL("../connectors/", import.meta.url))) {
        if (!e.isDirectory) continue;
        await loadMetadataFile(new URL(`../connectors/${e.name}/`, import.meta.url));
      }
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
