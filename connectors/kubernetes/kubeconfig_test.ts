import assert from "node:assert/strict";
import {
  accessFromKubeconfig,
  checkInlineKubeconfig,
  KubeconfigError,
  parseKubeconfig,
} from "./kubeconfig.ts";

const config = (user: string, cluster = "    certificate-authority-data: Zm9v\n") =>
  `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://k8s.example:6443
${cluster}users:
- name: u
  user:
${user}contexts:
- name: x
  context: { cluster: c, user: u }
current-context: x
`;

Deno.test("a kubeconfig from the API may carry inline data only", async (t) => {
  await t.step("inline token and *-data pass", () => {
    const doc = checkInlineKubeconfig(config("    token: abc\n"));
    const a = accessFromKubeconfig(doc, null, false);
    assert.equal(a.server, "https://k8s.example:6443");
    assert.equal(a.token, "abc");
    assert.equal(a.caPem, "foo");
  });
  await t.step("file paths, exec plugins and auth providers are refused with the reason", () => {
    for (
      const [user, cluster, what] of [
        ["    token-file: /var/run/secrets/token\n", undefined, "token-file"],
        [
          "    client-certificate: /etc/ssl/c.pem\n    client-key: /etc/ssl/k.pem\n",
          undefined,
          "client-certificate",
        ],
        ["    exec:\n      command: /bin/sh\n", undefined, "exec"],
        ["    auth-provider:\n      name: gcp\n", undefined, "auth-provider"],
        ["    token: x\n", "    certificate-authority: /etc/passwd\n", "certificate-authority"],
      ] as const
    ) {
      const err = (() => {
        try {
          checkInlineKubeconfig(config(user, cluster));
        } catch (e) {
          return e;
        }
      })();
      assert.ok(err instanceof KubeconfigError, what);
      assert.match(err.message, new RegExp(what));
      assert.match(err.message, /inline data/);
    }
  });
  await t.step("even unchecked, an API kubeconfig never reads a file", () => {
    const doc = parseKubeconfig(config("    token-file: /etc/passwd\n"));
    assert.throws(() => accessFromKubeconfig(doc, null, false), /not allowed here/);
  });
  await t.step("a parse error names the line, never its content", () => {
    const text =
      "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: s3cr3t-canary-k8s\n   bad: [unclosed\n";
    const err = (() => {
      try {
        parseKubeconfig(text);
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(err instanceof KubeconfigError);
    assert.equal(err.message.includes("s3cr3t"), false);
    assert.match(err.message, /not valid YAML/);
  });
  await t.step("exec plugins are refused even from the operator: connectors may not run programs", () => {
    const doc = parseKubeconfig(config("    exec:\n      command: aws\n"));
    assert.throws(() => accessFromKubeconfig(doc, null, true), /may not run programs/);
  });
});
