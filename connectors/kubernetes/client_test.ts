import assert from "node:assert/strict";
import type { KubeObject } from "./model.ts";
import { kubeApi, KubeApiError } from "./client.ts";

const access = {
  server: "https://kube.example",
  caPem: null,
  certPem: null,
  keyPem: null,
  token: "t",
  tokenFile: null,
  basic: null,
};

/** A fetch whose watch answer is the given chunks. */
function serving(chunks: string[]): typeof fetch {
  return () =>
    Promise.resolve(
      new Response(
        new ReadableStream<Uint8Array>({
          start(ctl) {
            for (const c of chunks) ctl.enqueue(new TextEncoder().encode(c));
            ctl.close();
          },
        }),
      ),
    );
}

const watch = (f: typeof fetch, seen: KubeObject[]) =>
  kubeApi(access, f).watch("/api/v1/pods", {
    resourceVersion: "1",
    timeoutSeconds: 5,
    signal: new AbortController().signal,
  }, (_type, object) => {
    seen.push(object);
  });

Deno.test("a watch takes events split anywhere across chunks, and many in one chunk", async () => {
  const events = Array.from(
    { length: 3000 },
    (_, i) => JSON.stringify({ type: "MODIFIED", object: { metadata: { name: `p${i}` } } }) + "\n",
  );
  const text = events.join("");
  // One chunk holding half the events, then the rest cut every 7 characters.
  const half = text.indexOf("\n", text.length / 2) + 1;
  const chunks = [text.slice(0, half)];
  for (let i = half; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
  const seen: KubeObject[] = [];
  await watch(serving(chunks), seen);
  assert.equal(seen.length, 3000);
  assert.deepEqual([seen[0]!.metadata?.name, seen[2999]!.metadata?.name], ["p0", "p2999"]);
});

Deno.test("a watch line that never ends is refused at 16 MiB, not buffered without bound", async () => {
  const mib = "x".repeat(1024 * 1024);
  const chunks = ['{"type":"MODIFIED","object":{"metadata":{"name":"', ...Array(17).fill(mib)];
  const err = await watch(serving(chunks), []).catch((e) => e);
  assert.ok(err instanceof KubeApiError, String(err));
  assert.match(err.message, /an event larger than 16 MiB/);
});
