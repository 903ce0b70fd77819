/**
 * Least privilege, the Deno way: a connector process started with the permissions `deno task start` and compose
 * give it cannot read /etc/passwd or a variable it was not granted (the admin token, even when it is set), list
 * the environment, run a program or write a file — whatever its configuration asks.
 */
import assert from "node:assert/strict";
import { consumerOpts } from "nats";
import { decoder } from "@painchain/shared/internal";
import { hostsOf, permissionFlags } from "../dev/permissions.ts";
import { createTestNats, NATS_URL, ROOT, serviceTest, spawnProc, waitFor } from "@painchain/testing";

serviceTest(
  "a connector runs in Deno's sandbox: no /etc/passwd, no admin token, no programs, whatever its settings say",
  async () => {
    const tn = await createTestNats();
    const secrets = await Deno.makeTempDir({ prefix: "painchain-secrets-" });
    // Connections as code, in the secrets folder (the one folder beside the app a connector may read).
    await Deno.writeTextFile(
      `${secrets}/connections.yaml`,
      "- id: hostile\n  name: Hostile settings\n  pollInterval: 60\n  config:\n    path: /etc/passwd\n    variable: PAINCHAIN_ADMIN_TOKEN\n",
    );
    const received: Record<string, string>[] = [];
    const sub = await tn.nats.js.subscribe(
      tn.names.eventsSubjects,
      consumerOpts().orderedConsumer().callback((_e, m) =>
        m && received.push(JSON.parse(decoder.decode(m.data)).data.metadata)
      ),
    );
    const flags = permissionFlags("connector", {
      app: ROOT.replace(/\/$/, ""),
      secretsDir: secrets,
      nats: hostsOf(NATS_URL, 4222),
      postgres: [],
      listen: "",
      config: [],
    }, "probe");
    const probe = spawnProc(["run", "--quiet", ...flags, "testing/fixtures/probe_connector/main.ts"], {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      NATS_URL,
      PAINCHAIN_PREFIX: tn.names.prefix,
      CONNECTOR_HOST: "127.0.0.1",
      PAINCHAIN_SECRETS_DIR: secrets,
      PAINCHAIN_CONNECTIONS_FILE: `${secrets}/connections.yaml`,
      // Present in its environment, and still out of reach.
      PAINCHAIN_ADMIN_TOKEN: "admin-token-canary-0123456789",
    });
    try {
      const seen = await waitFor(() => received[0], 30_000, "the probe's report").catch((err) => {
        throw new Error(`${err.message}\n${probe.output().slice(-2000)}`);
      });
      assert.deepEqual(seen, {
        file: "NotCapable",
        variable: "NotCapable",
        wholeEnvironment: "NotCapable",
        run: "NotCapable",
        write: "NotCapable",
      });
      assert.ok(!probe.output().includes("admin-token-canary"));
    } finally {
      await probe.stop();
      sub.unsubscribe();
      await tn.cleanup();
      await Deno.remove(secrets, { recursive: true });
    }
  },
);
