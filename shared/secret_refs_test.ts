import assert from "node:assert/strict";
import { checkReference, resolveSecret, SecretRefError } from "./secret_refs.ts";
import { importSecretKey, sealSecret } from "./secrets.ts";

Deno.test("secret references", async (t) => {
  const dir = await Deno.makeTempDir();
  const outside = await Deno.makeTempFile();
  await Deno.writeTextFile(outside, "outside-secret");
  await Deno.writeTextFile(`${dir}/token`, "file-token\n");
  const env = { CONNECTION_SECRET_GH: "env-token", PAINCHAIN_ADMIN_TOKEN: "admin-token-canary" };
  const o = { key: null, env, secretsDir: dir };
  try {
    await t.step("env: reads only CONNECTION_SECRET_* variables", async () => {
      assert.equal(await resolveSecret("env:CONNECTION_SECRET_GH", o), "env-token");
      for (
        const name of [
          "PAINCHAIN_ADMIN_TOKEN",
          "PAINCHAIN_SECRET_KEY",
          "DATABASE_URL",
          "HOME",
          "connection_secret_x",
        ]
      ) {
        const err = await resolveSecret(`env:${name}`, o).catch((e) => e);
        assert.ok(err instanceof SecretRefError, name);
        assert.match(err.message, /CONNECTION_SECRET_/);
        assert.equal(err.message.includes("admin-token-canary"), false);
      }
      await assert.rejects(() => resolveSecret("env:CONNECTION_SECRET_MISSING", o), /is not set/);
    });
    await t.step("file: reads only regular files inside the secrets folder", async () => {
      assert.equal(await resolveSecret(`file:${dir}/token`, o), "file-token");
      for (const path of ["/etc/passwd", outside, `${dir}/../etc/passwd`, "/dev/zero", "relative/path"]) {
        const err = await resolveSecret(`file:${path}`, o).catch((e) => e);
        assert.ok(err instanceof SecretRefError, path);
        assert.equal(String(err.message).includes("root:"), false);
      }
      assert.match(String(checkReference("file:/etc/passwd", { secretsDir: dir })), /must point into/);
    });
    await t.step("a symlink inside the folder cannot lead out of it", async () => {
      await Deno.symlink(outside, `${dir}/escape`);
      await Deno.symlink("/dev/zero", `${dir}/zero`);
      await assert.rejects(() => resolveSecret(`file:${dir}/escape`, o), /leads outside/);
      await assert.rejects(() => resolveSecret(`file:${dir}/zero`, o), /leads outside|not a regular file/);
    });
    await t.step("a device, a folder or a file over 64 KiB is refused before it is read", async () => {
      await Deno.mkdir(`${dir}/sub`);
      await assert.rejects(() => resolveSecret(`file:${dir}/sub`, o), /not a regular file/);
      await Deno.writeFile(`${dir}/big`, new Uint8Array(64 * 1024 + 1).fill(65));
      await assert.rejects(() => resolveSecret(`file:${dir}/big`, o), /larger than 64 KiB/);
      const long = { ...o, env: { CONNECTION_SECRET_BIG: "x".repeat(70_000) } };
      await assert.rejects(() => resolveSecret("env:CONNECTION_SECRET_BIG", long), /larger than 64 KiB/);
    });
    await t.step("sealed values are opened with the key; plain values pass", async () => {
      const key = await importSecretKey(
        btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
      );
      assert.equal(await resolveSecret(await sealSecret(key, "sealed-x"), { ...o, key }), "sealed-x");
      assert.equal(await resolveSecret("plain", o), "plain");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside);
  }
});
