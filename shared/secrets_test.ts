import assert from "node:assert/strict";
import { importSecretKey, isEncrypted, sealSecret, SecretKeyError, unsealSecret } from "./secrets.ts";

const keyB64 = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

Deno.test("connection secrets at rest", async (t) => {
  const key = await importSecretKey(keyB64);
  await t.step(
    "sealSecret() encrypts; unsealSecret() gives the value back; the value is not in the sealed text",
    async () => {
      const sealed = await sealSecret(key, "s3cr3t-canary-1");
      assert.ok(isEncrypted(sealed));
      assert.equal(sealed.includes("canary"), false);
      assert.notEqual(sealed, await sealSecret(key, "s3cr3t-canary-1"), "a fresh IV every time");
      assert.equal(await unsealSecret(key, sealed), "s3cr3t-canary-1");
    },
  );
  await t.step("another key cannot open it, and no key is a clear error", async () => {
    const sealed = await sealSecret(key, "x");
    const other = await importSecretKey(btoa(String.fromCharCode(...new Uint8Array(32))));
    await assert.rejects(() => unsealSecret(other, sealed), SecretKeyError);
    await assert.rejects(() => unsealSecret(null, sealed), /PAINCHAIN_SECRET_KEY is not set/);
  });
  await t.step(
    "references are kept as they are (resolved where used, under secret_refs.ts rules)",
    async () => {
      assert.equal(await sealSecret(key, "env:CONNECTION_SECRET_GH"), "env:CONNECTION_SECRET_GH");
      assert.equal(await sealSecret(key, "file:/run/secrets/gh"), "file:/run/secrets/gh");
    },
  );
  await t.step("a bad key is refused with a clear message", async () => {
    await assert.rejects(() => importSecretKey("dG9vIHNob3J0"), /32 bytes/);
    assert.equal(await importSecretKey(undefined), null);
  });
});
