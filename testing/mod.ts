/**
 * @painchain/testing: what the tests share. The light core is here (isolated NATS prefixes and Postgres
 * databases, waiting, processes, whole stacks, tools); harnesses, fakes and browsers are subpath exports
 * (`@painchain/testing/pipeline`, `/fake_github`, `/browser`, …) so a test loads only what it uses.
 * Code outside tests never imports this package.
 */
export * from "./child.ts";
export * from "./helpers.ts";
export * from "./replicas.ts";
export * from "./stack.ts";
export * from "./store_db.ts";
export * from "./tools.ts";
export * from "./copy_dir.ts";
export * from "./tcp_proxy.ts";
